"""工事・故障情報メール settings and destinations (S3)."""

from django.db import transaction
from django.utils import timezone

from madoguchi.alerts.models import Destination
from madoguchi.audit.services import record_audit

SETTINGS_ACTION = "alerts.settings"
ADD_ACTION = "alerts.destination_add"
CONFIRM_ACTION = "alerts.destination_confirm"
DELETE_ACTION = "alerts.destination_delete"
SUSPEND_ACTION = "alerts.destination_suspend"
RESUME_ACTION = "alerts.destination_resume"
AUDIT_ACTIONS = {
    SETTINGS_ACTION: "工事・故障情報メールの設定変更",
    ADD_ACTION: "配信先の追加（仮登録）",
    CONFIRM_ACTION: "配信先の本登録",
    DELETE_ACTION: "配信先の削除",
    SUSPEND_ACTION: "配信先の配信停止",
    RESUME_ACTION: "配信先の配信再開",
}


def _locked(destination: Destination) -> Destination:
    return Destination.objects.select_for_update().get(pk=destination.pk)


@transaction.atomic
def suspend_destination(
    destination: Destination, *, reason: str, actor=None, ip: str | None = None
) -> bool:
    """配信停止: stop mails to an active destination, with the reason and date (S3, S4).

    Returns False if it was not active (already suspended, pending or gone): nothing changes.
    """
    destination = _locked(destination)
    if destination.status != Destination.Status.ACTIVE:
        return False
    destination.status = Destination.Status.SUSPENDED
    destination.suspended_at = timezone.now()
    destination.suspension_reason = reason
    destination.save(update_fields=["status", "suspended_at", "suspension_reason"])
    record_audit(
        actor=actor,
        action=SUSPEND_ACTION,
        target=destination.address,
        after={"理由": destination.get_suspension_reason_display()},
        ip=ip,
    )
    return True


@transaction.atomic
def resume_destination(destination: Destination, *, actor=None, ip: str | None = None) -> bool:
    """配信再開: a suspended destination is active again (its owner, an operator, a link).

    Returns False if it was not suspended: nothing changes.
    """
    destination = _locked(destination)
    if destination.status != Destination.Status.SUSPENDED:
        return False
    before = {"理由": destination.get_suspension_reason_display()}
    destination.status = Destination.Status.ACTIVE
    destination.suspended_at = None
    destination.suspension_reason = ""
    destination.save(update_fields=["status", "suspended_at", "suspension_reason"])
    record_audit(
        actor=actor, action=RESUME_ACTION, target=destination.address, before=before, ip=ip
    )
    return True
