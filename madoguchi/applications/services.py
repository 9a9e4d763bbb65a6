"""The lifecycle of applications (X3): submit, claim with a lease, complete, fail, reconcile."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from madoguchi.applications import registry
from madoguchi.applications.models import Application
from madoguchi.audit.services import record_audit

logger = logging.getLogger(__name__)


class DuplicateSubmission(Exception):
    """The final POST of a draft that has already been submitted."""

    def __init__(self, application: Application):
        super().__init__(application.number)
        self.application = application


def submit_application(
    *,
    contract,
    kind: str,
    user,
    before: dict,
    after: dict,
    work: dict | None = None,
    mail_to: list[str] | None = None,
    submission_key: str | None = None,
    ip: str | None = None,
) -> Application:
    """Record an accepted application, audit it, and enqueue its work and its mail on commit."""
    try:
        with transaction.atomic():
            application = Application.objects.create(
                contract=contract,
                kind=kind,
                submitted_by=user,
                before=before,
                after=after,
                work=work or {},
                mail_to=mail_to or [],
                submission_key=submission_key,
                submitted_ip=ip,
            )
    except IntegrityError:
        existing = Application.objects.filter(submission_key=submission_key).first()
        if submission_key and existing is not None:
            raise DuplicateSubmission(existing) from None
        raise
    record_audit(
        actor=user,
        action=f"application.{kind}.submit",
        contract=contract,
        target=application.number,
        before=before,
        after=after,
        ip=ip,
    )
    delay = settings.APPLICATION_DELAY_SECONDS.get(kind, 0)
    transaction.on_commit(lambda: enqueue_work(application, delay_seconds=delay))
    return application


class NotCancellable(Exception):
    """The application is no longer waiting: it is being processed or has finished."""


def enqueue_work(application: Application, *, delay_seconds: int = 0) -> None:
    """Wake a worker for the application's processing and for its unsent mails."""
    from madoguchi.applications.tasks import send_application_mail, send_outcome_mail

    if application.is_in_progress:
        task = registry.processor_for(application.kind)
        if delay_seconds:
            task = task.using(run_after=timezone.now() + timedelta(seconds=delay_seconds))
        task.enqueue(application_id=application.pk)
    if application.mail_to and application.mail_sent_at is None:
        send_application_mail.enqueue(application_id=application.pk)
    if application.outcome_mail_to and application.outcome_mail_sent_at is None:
        send_outcome_mail.enqueue(application_id=application.pk)


GIVE_UP_REASON = (
    "お申込みの処理中に問題が発生したため、完了できませんでした。"
    "お手数ですが、お電話でお問い合わせください。"
)


def claim_application(application_id: int) -> Application | None:
    """Take the application for processing with a lease; None if done or held by another.

    Each claim counts an attempt. Work that has failed ``APPLICATION_MAX_ATTEMPTS`` times
    (its worker raised or died, and the lease ran out) is not claimed again: the
    application is failed with a reason the customer reads, and the failure is logged.
    """
    now = timezone.now()
    lease = now + timedelta(seconds=settings.APPLICATION_LEASE_SECONDS)
    claimable = Q(status=Application.Status.ACCEPTED) | Q(
        status=Application.Status.PROCESSING, lease_expires_at__lt=now
    )
    with transaction.atomic():
        updated = Application.objects.filter(
            claimable, pk=application_id, attempts__lt=settings.APPLICATION_MAX_ATTEMPTS
        ).update(
            status=Application.Status.PROCESSING,
            lease_expires_at=lease,
            attempts=F("attempts") + 1,
        )
        if not updated:
            _give_up(application_id, claimable)
            return None
        return Application.objects.select_related("contract", "submitted_by").get(pk=application_id)


def _give_up(application_id: int, claimable: Q) -> None:
    """Fail the application if it could be claimed but has used up its attempts."""
    exhausted = (
        Application.objects.select_for_update(of=("self",))
        .select_related("contract")
        .filter(claimable, pk=application_id, attempts__gte=settings.APPLICATION_MAX_ATTEMPTS)
        .first()
    )
    if exhausted is None:
        return  # finished, held by a worker with a valid lease, or gone
    if fail_application(
        exhausted, reason=GIVE_UP_REASON, notify=[exhausted.contract.contact_email]
    ):
        logger.error(
            "application %s (%s) failed after %d attempts; the customer was told to call",
            exhausted.number,
            exhausted.kind,
            exhausted.attempts,
        )


def complete_application(
    application: Application, *, after: dict | None = None, notify: list[str] | None = None
) -> bool:
    """Mark a claimed application done (only if it is still ours to finish)."""
    return _finish(application, Application.Status.DONE, after=after, notify=notify)


def fail_application(
    application: Application,
    *,
    reason: str,
    actor=None,
    notify: list[str] | None = None,
    ip: str | None = None,
) -> bool:
    """Mark an application failed with a reason the customer sees, releasing its holds."""
    return _finish(
        application, Application.Status.FAILED, reason=reason, actor=actor, notify=notify, ip=ip
    )


def cancel_application(application: Application, *, actor, ip: str | None = None) -> None:
    """Withdraw an application that no worker has started yet (取消, D4.7)."""
    if not _finish(
        application,
        Application.Status.CANCELLED,
        actor=actor,
        ip=ip,
        from_statuses=(Application.Status.ACCEPTED,),
    ):
        raise NotCancellable(application.number)


def _finish(
    application,
    status,
    *,
    reason: str = "",
    after: dict | None = None,
    actor=None,
    notify: list[str] | None = None,
    ip: str | None = None,
    from_statuses=Application.IN_PROGRESS,
) -> bool:
    # ``work`` (e.g. a RADIUS hash) is needed only to carry the application out.
    fields = {
        "status": status,
        "finished_at": timezone.now(),
        "lease_expires_at": None,
        "work": {},
    }
    if reason:
        fields["failure_reason"] = reason
    if after is not None:
        fields["after"] = after
    if notify:
        fields["outcome_mail_to"] = notify
    with transaction.atomic():
        # A conditional update: of a worker finishing, an operator failing and a customer
        # cancelling at the same moment, exactly one wins.
        updated = Application.objects.filter(pk=application.pk, status__in=from_statuses).update(
            **fields
        )
        if not updated:
            return False
        for name, value in fields.items():
            setattr(application, name, value)
        release = registry.release_for(application.kind)
        if release is not None and status != Application.Status.DONE:
            release(application)
        record_audit(
            actor=actor,
            action=f"application.{application.kind}.{status}",
            contract=application.contract,
            target=application.number,
            after={"status": status, "reason": reason} if reason else {"status": status},
            ip=ip,
        )
        if notify:
            # Only the outcome mail: this copy of the row may be older than the sending of
            # the acceptance mail, which must not be woken again.
            from madoguchi.applications.tasks import send_outcome_mail

            transaction.on_commit(lambda: send_outcome_mail.enqueue(application_id=application.pk))
    return True


class NotOperable(Exception):
    """An operator may not process or fail the application now; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def operator_refusal(application: Application) -> str | None:
    """Why an operator may not process or fail the application now; None when they may (B1).

    An operator acts on what a worker could claim (the condition of ``claim_application``):
    an accepted application, or one being processed whose worker's lease has expired (the
    worker died). One a worker holds with a valid lease is the worker's to finish, so that
    nothing is carried out twice; a finished one is never touched again.
    """
    if application.status in Application.FINISHED:
        return (
            f"お申込み {application.number} は「{application.get_status_display()}」"
            "で終了しているため、処理も失敗にもできません。"
        )
    lease = application.lease_expires_at
    if application.status == Application.Status.PROCESSING and lease and lease >= timezone.now():
        until = timezone.localtime(lease)
        return (
            f"お申込み {application.number} は処理中です（処理期限 {until:%Y/%m/%d %H:%M:%S}）。"
            "処理が終わるか、処理期限が過ぎてから操作してください。"
        )
    return None


def process_application_now(*, application: Application, operator, ip: str | None = None):
    """Carry out an application at once with the worker's own processor, for an operator (B1).

    Idempotent: the processor claims the application with a conditional update first, so a
    second click, or a worker that got there first, finds nothing to do.
    """
    refusal = operator_refusal(application)
    if refusal:
        raise NotOperable(refusal)
    processed = registry.processor_for(application.kind).call(application_id=application.pk)
    application.refresh_from_db()
    if not processed:
        raise NotOperable(
            operator_refusal(application)
            or f"お申込み {application.number} は他の処理が先に受け付けたため、処理しませんでした。"
        )
    record_audit(
        actor=operator,
        action=f"application.{application.kind}.process",
        contract=application.contract,
        target=application.number,
        after={"status": application.status},
        ip=ip,
    )
    return application


def fail_application_by_operator(
    *, application: Application, operator, reason: str, ip: str | None = None
) -> Application:
    """Fail an application for an operator, with the reason the customer reads (B1)."""
    reason = reason.strip()
    if not reason:
        raise ValueError("a failure needs the reason the customer reads")
    with transaction.atomic():
        # The row lock makes a worker's claim wait: it then finds the application failed.
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("contract")
            .defer("work")
            .get(pk=application.pk)
        )
        refusal = operator_refusal(locked)
        if refusal:
            raise NotOperable(refusal)
        fail_application(
            locked, reason=reason, actor=operator, ip=ip, notify=[locked.contract.contact_email]
        )
    return locked


def reconcile_applications() -> int:
    """Re-enqueue work whose lease expired or that nobody picked up; returns how many.

    Each piece of lost work is woken on its own: the processing of an application whose
    lease expired, or that is still accepted ``APPLICATION_STALE_SECONDS`` after its kind's
    delay (``APPLICATION_DELAY_SECONDS``: it may be cancelled until then, so it is never
    woken early), and acceptance and outcome mails not sent that long after they were due.
    """
    from madoguchi.applications.tasks import send_application_mail, send_outcome_mail

    now = timezone.now()
    stale = timedelta(seconds=settings.APPLICATION_STALE_SECONDS)
    unclaimed = Q()
    for kind in Application.Kind.values:
        delay = timedelta(seconds=settings.APPLICATION_DELAY_SECONDS.get(kind, 0))
        unclaimed |= Q(kind=kind, submitted_at__lt=now - delay - stale)
    # Read before enqueueing anything (a task may run at once and change the rows).
    lost_work = list(
        Application.objects.filter(
            Q(status=Application.Status.ACCEPTED) & unclaimed
            | Q(status=Application.Status.PROCESSING, lease_expires_at__lt=now)
        ).values_list("pk", "kind")
    )
    lost_mails = list(
        Application.objects.filter(mail_sent_at__isnull=True, submitted_at__lt=now - stale)
        .exclude(mail_to=[])
        .exclude(status=Application.Status.CANCELLED)
        .values_list("pk", flat=True)
    )
    lost_outcome_mails = list(
        Application.objects.filter(outcome_mail_sent_at__isnull=True, finished_at__lt=now - stale)
        .exclude(outcome_mail_to=[])
        .values_list("pk", flat=True)
    )
    woken = set()
    for pk, kind in lost_work:
        registry.processor_for(kind).enqueue(application_id=pk)
        woken.add(pk)
    for pk in lost_mails:
        send_application_mail.enqueue(application_id=pk)
        woken.add(pk)
    for pk in lost_outcome_mails:
        send_outcome_mail.enqueue(application_id=pk)
        woken.add(pk)
    if woken:
        logger.info("reconcile: re-enqueued %d application(s)", len(woken))
    return len(woken)
