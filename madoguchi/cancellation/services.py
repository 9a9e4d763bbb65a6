"""ご契約の廃止 (D5): accept a cancellation, and end the contract on its date (P1, P2, D1.3)."""

import contextlib
from datetime import date, datetime, time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from madoguchi.applications import eligibility, registry
from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    NotCancellable,
    cancel_application,
    fail_application,
    lock_for_submission,
    submit_application,
)
from madoguchi.cancellation import dates
from madoguchi.cancellation.models import CANCELLATION
from madoguchi.contracts.models import Contract, User
from madoguchi.lib.dates import format_date
from madoguchi.mailboxes import services as mailboxes
from madoguchi.mailboxes.models import Mailbox
from madoguchi.provisioning import services as provisioning

DATE_MESSAGE = "廃止希望日は一覧から選択してください。"
WITHDRAWN_REASON = (
    "ご契約の廃止のお申込み（お申込み番号 {number}、廃止日 {date}）を受け付けたため、"
    "処理前のこのお申込みを取り消しました。"
)
ENDED_REASON = "ご契約が廃止されたため、このお申込みは処理できませんでした。"
LINE_ENDS = "回線（{service}）"


class CancellationError(Exception):
    """A cancellation the customer may not submit as it is; the message says why."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def due_at(day: date) -> datetime:
    """When the contract ends: the desired date at ``CANCELLATION_HOUR`` o'clock, JST."""
    local = datetime.combine(day, time(hour=settings.CANCELLATION_HOUR))
    return timezone.make_aware(local, timezone.get_default_timezone())


def ending(contract: Contract) -> list[str]:
    """What the cancellation ends: the line and each option in use (D5.2), as shown."""
    items = [LINE_ENDS.format(service=contract.service_name)]
    for mailbox in Mailbox.objects.filter(contract=contract).order_by("slot"):
        items.append(f"メールアカウント（{mailbox.address}）")
        if mailbox.virus_check:
            items.append(f"ウィルスチェックサービス（{mailbox.address}）")
    return items


@transaction.atomic
def submit_cancellation(
    *, user: User, values: dict, submission_key: str, ip: str | None = None
) -> Application:
    """Accept the contract's cancellation for the desired date (D5.3).

    Under the contract's row lock: one cancellation per contract (the eligibility rule),
    the date checked again against the dates offered now, the contract marked as
    cancellation accepted, and every application still waiting that the customer could
    withdraw is withdrawn with its mail. The acceptance mail goes to the contact address
    the customer entered.
    """
    contract = lock_for_submission(user, submission_key)
    eligibility.check(contract, CANCELLATION)
    try:
        day = date.fromisoformat(values["date"])
    except (KeyError, TypeError, ValueError):
        raise CancellationError(DATE_MESSAGE, field="date") from None
    if not dates.is_offered(day):
        raise CancellationError(DATE_MESSAGE, field="date")
    after = {**values, "date": day.isoformat(), "ending": ending(contract)}
    application = submit_application(
        contract=contract,
        kind=CANCELLATION,
        user=user,
        before={},
        after=after,
        mail_to=[values["contact_email"]],
        submission_key=submission_key,
        not_before=due_at(day),
        ip=ip,
    )
    contract.status = Contract.Status.CANCELLATION_ACCEPTED
    contract.cancellation_date = day
    contract.save(update_fields=["status", "cancellation_date", "updated_at"])
    _withdraw_waiting(contract, application, actor=user, ip=ip)
    return application


def _withdraw_waiting(contract, cancellation: Application, *, actor, ip) -> None:
    """Withdraw what waits and may be withdrawn: a pending mailbox application, and any
    application still awaiting its address's confirmation (a notice address, D6.3)."""
    reason = WITHDRAWN_REASON.format(
        number=cancellation.number, date=format_date(contract.cancellation_date)
    )
    waiting = Application.objects.filter(
        contract=contract,
        status__in=(Application.Status.ACCEPTED, Application.Status.AWAITING),
    ).exclude(pk=cancellation.pk)
    for application in waiting.select_related("contract"):
        if application.status == Application.Status.ACCEPTED and not application.spec.cancellable:
            continue  # accepted before and not withdrawable: it is carried out as promised
        # A worker may have taken it meanwhile: it is carried out, and ends with the contract.
        with contextlib.suppress(NotCancellable):
            cancel_application(application, actor=actor, ip=ip, reason=reason)


def end_contract(application: Application) -> registry.Done:
    """The kind's processor, on the desired date: end the contract (D5.3, P1, P2, D1.3).

    Every mail account is removed (P2 rows, names, the portal's rows), the network
    credential leaves ``radcheck`` (P1), what is still in progress is failed, and the
    contract ends: its login is refused from now on. Each step is idempotent, so work
    interrupted halfway completes when run again.
    """
    contract = application.contract
    for mailbox in Mailbox.objects.filter(contract=contract).order_by("slot"):
        mailboxes.remove_mailbox(mailbox, contract=contract)
    for username in User.objects.filter(contract=contract, kind=User.Kind.DESK).values_list(
        "username", flat=True
    ):
        provisioning.remove_radius_user(username=username)
    others = Application.objects.filter(
        contract=contract, status__in=Application.IN_PROGRESS
    ).exclude(pk=application.pk)
    for other in others.select_related("contract"):
        fail_application(other, reason=ENDED_REASON)
    contract.status = Contract.Status.ENDED
    contract.save(update_fields=["status", "updated_at"])
    return registry.Done()


def restore_contract(application: Application) -> None:
    """The kind's release hook: a cancellation failed by an operator leaves the contract in
    use (the customer is told; they may apply again)."""
    Contract.objects.filter(
        pk=application.contract_id, status=Contract.Status.CANCELLATION_ACCEPTED
    ).update(status=Contract.Status.ACTIVE, cancellation_date=None, updated_at=timezone.now())


def contact_address(application: Application) -> list[str]:
    """The kind's outcome recipient: the contact address entered in the application."""
    address = application.after.get("contact_email")
    return [address] if address else [application.contract.contact_email]
