"""The lifecycle of applications (X3): submit, claim with a lease, carry out, finish, reconcile.

Every kind goes through the same skeleton (``process_application``): claim → lock the
contract → re-check → the kind's processor → complete or fail, with the customer's mail.
Kinds without a processor are carried out by hand: an operator completes or fails them.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from madoguchi.applications import mails, registry
from madoguchi.applications.models import Application
from madoguchi.audit.services import record_audit
from madoguchi.contracts.models import Contract
from madoguchi.lib.drafts import DuplicateSubmission

logger = logging.getLogger(__name__)

GIVE_UP_REASON = (
    "お申込みの処理中に問題が発生したため、完了できませんでした。"
    "お手数ですが、お電話でお問い合わせください。"
)


class NotCancellable(Exception):
    """The application is no longer waiting: it is being processed or has finished."""


class NotOperable(Exception):
    """An operator may not act on the application now; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Submitting ---------------------------------------------------------------------------


def lock_for_submission(user, submission_key: str | None) -> Contract:
    """The submitting customer's contract row, locked: every flow's first step (X2).

    The lock serialises the contract's applications (two browsers, a worker carrying one
    out); under it, a submission key already used (the second click of a double click, a
    replayed POST, which waited here for the first to commit) raises DuplicateSubmission
    with the application the first one made. Call inside a transaction.
    """
    contract = Contract.objects.select_for_update(no_key=True).get(pk=user.contract_id)
    if submission_key is not None:
        existing = Application.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            raise DuplicateSubmission(existing)
    return contract


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
    not_before=None,
    ip: str | None = None,
    confirm_to: str = "",
    link_base: str = "",
) -> Application:
    """Record an accepted application, audit it, queue its acceptance mail to ``mail_to``,
    and enqueue its work on commit (not before ``not_before``, by default the kind's delay).

    With ``confirm_to`` the application names an address that must be confirmed first: it
    waits 「メール確認待ち」, and that address is mailed a single-use link (under
    ``link_base``, the site's absolute root) that ``confirm_application`` follows; only
    then is its work enqueued. Unconfirmed by ``APPLICATION_CONFIRMATION_SECONDS``, it
    fails (``expire_unconfirmed_applications``)."""
    spec = registry.get(kind)
    now = timezone.now()
    if not_before is None:
        not_before = now + registry.delay_of(kind)
    awaiting = {}
    if confirm_to:
        awaiting = {
            "status": Application.Status.AWAITING,
            "confirmation_email": confirm_to,
            "confirm_by": now + timedelta(seconds=settings.APPLICATION_CONFIRMATION_SECONDS),
        }
    try:
        with transaction.atomic():
            application = Application.objects.create(
                contract=contract,
                kind=kind,
                submitted_by=user,
                before=before,
                after=after,
                work=work or {},
                submission_key=submission_key,
                submitted_ip=ip,
                not_before=not_before,
                **awaiting,
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
        before=spec.labelled(before),
        after=spec.labelled(after),
        ip=ip,
    )
    mails.send_acceptance(application, to=mail_to or [])
    if confirm_to:
        mails.send_confirmation_request(
            application, link=link_base.rstrip("/") + confirmation_path(application)
        )
    transaction.on_commit(lambda: enqueue_work(application))
    return application


# --- Confirming an address --------------------------------------------------------------------

CONFIRMATION_SALT = "madoguchi.applications.confirmation"
CONFIRMATION_INVALID = (
    "このURLは無効です。メールに記載されたURLを、途中で改行されていないかご確認のうえ、"
    "そのまま開いてください。"
)
CONFIRMATION_EXPIRED = (
    "このURLの有効期限が切れているため、メールアドレスを確認できませんでした。"
    "お手数ですが、カスタマサポートデスクからもう一度お申込みください。"
)
CONFIRMATION_USED = "このURLはすでに使用されています。メールアドレスは確認済みです。"
CONFIRMATION_CLOSED = "このお申込みは「{status}」のため、メールアドレスを確認できません。"
CONFIRMATION_EXPIRED_REASON = (
    "ご指定のメールアドレス（{email}）の確認が有効期限（{deadline}）までに行われなかったため、"
    "お申込みを完了できませんでした。お手数ですが、もう一度お申込みください。"
)


class ConfirmationRefused(Exception):
    """The confirmation link cannot confirm anything; the message says why."""

    def __init__(self, message: str, application: Application | None = None):
        super().__init__(message)
        self.message = message
        self.application = application


def confirmation_token(application: Application) -> str:
    """The signed token of the application's confirmation link (bound to its address)."""
    return signing.dumps(
        {"a": application.pk, "e": application.confirmation_email}, salt=CONFIRMATION_SALT
    )


def confirmation_path(application: Application) -> str:
    from django.urls import reverse

    return reverse("applications:confirm", args=[confirmation_token(application)])


def application_for_confirmation(token: str) -> Application:
    """The application a confirmation link names, while it awaits confirmation; else
    ConfirmationRefused (forged, expired, already used, or the application has finished)."""
    try:
        data = signing.loads(
            token, salt=CONFIRMATION_SALT, max_age=settings.APPLICATION_CONFIRMATION_SECONDS
        )
    except signing.SignatureExpired:
        raise ConfirmationRefused(CONFIRMATION_EXPIRED) from None
    except signing.BadSignature:
        raise ConfirmationRefused(CONFIRMATION_INVALID) from None
    if not isinstance(data, dict):
        raise ConfirmationRefused(CONFIRMATION_INVALID)
    application = (
        Application.objects.select_related("contract")
        .filter(pk=data.get("a"), confirmation_email=data.get("e") or "-")
        .exclude(confirmation_email="")
        .first()
    )
    if application is None:
        raise ConfirmationRefused(CONFIRMATION_INVALID)
    if application.confirmed_at is not None:
        raise ConfirmationRefused(CONFIRMATION_USED, application)
    if application.status != Application.Status.AWAITING:
        status = application.get_status_display()
        raise ConfirmationRefused(CONFIRMATION_CLOSED.format(status=status), application)
    if application.confirm_by <= timezone.now():
        raise ConfirmationRefused(CONFIRMATION_EXPIRED, application)
    return application


def confirm_application(*, token: str, ip: str | None = None) -> Application:
    """Follow a confirmation link: the waiting application becomes 受付 and its work is
    enqueued (not before its kind's delay from now). Single-use: a second click finds it
    confirmed (ConfirmationRefused)."""
    with transaction.atomic():
        application = application_for_confirmation(token)
        now = timezone.now()
        # Conditional: of two clicks, or a click and the expiry, exactly one wins.
        updated = Application.objects.filter(
            pk=application.pk, status=Application.Status.AWAITING, confirm_by__gt=now
        ).update(
            status=Application.Status.ACCEPTED,
            confirmed_at=now,
            not_before=now + registry.delay_of(application.kind),
        )
        if not updated:
            application.refresh_from_db()
            raise ConfirmationRefused(
                CONFIRMATION_USED if application.confirmed_at else CONFIRMATION_EXPIRED,
                application,
            )
        application.refresh_from_db()
        record_audit(
            actor=None,
            action=f"application.{application.kind}.confirm",
            contract=application.contract,
            target=application.number,
            after={"確認したメールアドレス": application.confirmation_email},
            ip=ip,
        )
        transaction.on_commit(lambda: enqueue_work(application))
    return application


def expire_unconfirmed_applications() -> int:
    """Fail the applications whose address was not confirmed in time, each with a mail to
    the contact address; returns how many. Run by the reconcile command."""
    now = timezone.now()
    expired = 0
    overdue = Application.objects.filter(
        status=Application.Status.AWAITING, confirm_by__lte=now
    ).values_list("pk", flat=True)
    for pk in list(overdue):
        with transaction.atomic():
            application = (
                Application.objects.select_for_update(of=("self",))
                .select_related("contract")
                .filter(pk=pk, status=Application.Status.AWAITING)
                .first()
            )
            if application is None:
                continue  # confirmed or finished meanwhile
            deadline = timezone.localtime(application.confirm_by)
            reason = CONFIRMATION_EXPIRED_REASON.format(
                email=application.confirmation_email, deadline=f"{deadline:%Y/%m/%d %H:%M}"
            )
            expired += fail_application(application, reason=reason)
    if expired:
        logger.info("expired %d application(s) awaiting confirmation", expired)
    return expired


def enqueue_work(application: Application) -> None:
    """Wake a worker for the application's processing, when its kind has a processor.

    A future ``not_before`` becomes the task's ``run_after``; a backend that cannot defer
    (the immediate backend of tests) is not woken early: reconcile wakes it once it is due.
    """
    from madoguchi.applications.tasks import process_application as task

    if application.status == Application.Status.AWAITING:
        return  # woken when its address is confirmed
    if not application.is_in_progress or application.spec.is_manual:
        return
    if application.not_before > timezone.now():
        if not task.get_backend().supports_defer:
            return
        task = task.using(run_after=application.not_before)
    task.enqueue(application_id=application.pk)


# --- Processing -----------------------------------------------------------------------------


def _claimable(now) -> Q:
    return Q(status=Application.Status.ACCEPTED, not_before__lte=now) | Q(
        status=Application.Status.PROCESSING, lease_expires_at__lt=now
    )


def claim_application(application_id: int) -> Application | None:
    """Take a due application for processing with a lease; None if not due, done or held.

    Each claim counts an attempt. Work that has failed ``APPLICATION_MAX_ATTEMPTS`` times
    (its worker raised or died, and the lease ran out) is not claimed again: the
    application is failed with a reason the customer reads, and the failure is logged.
    """
    now = timezone.now()
    lease = now + timedelta(seconds=settings.APPLICATION_LEASE_SECONDS)
    claimable = _claimable(now)
    with transaction.atomic():
        updated = (
            Application.objects.filter(
                claimable, pk=application_id, attempts__lt=settings.APPLICATION_MAX_ATTEMPTS
            )
            .exclude(kind__in=registry.manual_codes())
            .update(
                status=Application.Status.PROCESSING,
                lease_expires_at=lease,
                attempts=F("attempts") + 1,
            )
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
        return  # finished, held by a worker with a valid lease, not due, or gone
    if fail_application(exhausted, reason=GIVE_UP_REASON):
        logger.error(
            "application %s (%s) failed after %d attempts; the customer was told to call",
            exhausted.number,
            exhausted.kind,
            exhausted.attempts,
        )


def process_application(application_id: int) -> bool:
    """Carry out one application with its kind's processor, exactly once.

    Claim (a lease, one winner) → lock the contract's row (one contract's work is
    serialised, and customers' submissions wait for it) → re-check the application is
    still ours (a worker whose lease ran out must write nothing) → the kind's processor →
    complete or fail, mailing the contact address. Returns False when there was nothing to
    do (not due, finished, or held by another worker).
    """
    application = claim_application(application_id)
    if application is None:
        return False
    spec = application.spec
    if settings.PROVISIONING_DELAY_SECONDS:
        time.sleep(settings.PROVISIONING_DELAY_SECONDS)
    with transaction.atomic():
        # NO KEY: foreign-key checks of other transactions must not wait for this lock.
        contract = Contract.objects.select_for_update(no_key=True).get(pk=application.contract_id)
        application.contract = contract
        # Locked until commit, so that nobody finishes it between this check and ours.
        if not Application.objects.select_for_update(of=("self",)).filter(
            pk=application.pk, status=Application.Status.PROCESSING
        ):
            logger.info("application %s was finished by another; nothing done", application.number)
            return False
        outcome = spec.processor(application)
        if isinstance(outcome, registry.Failed):
            fail_application(application, reason=outcome.reason)
        else:
            complete_application(application, after=outcome.after)
    logger.info("carried out application %s (%s)", application.number, application.kind)
    return True


# --- Finishing --------------------------------------------------------------------------------


def complete_application(
    application: Application, *, after: dict | None = None, actor=None, ip: str | None = None
) -> bool:
    """Mark an application done (only if it is still in progress), mailing the customer."""
    return _finish(application, Application.Status.DONE, after=after, actor=actor, ip=ip)


def fail_application(
    application: Application, *, reason: str, actor=None, ip: str | None = None
) -> bool:
    """Mark an application failed with a reason the customer reads, releasing its holds."""
    return _finish(application, Application.Status.FAILED, reason=reason, actor=actor, ip=ip)


def cancel_application(
    application: Application, *, actor, ip: str | None = None, reason: str = ""
) -> None:
    """Withdraw an application that no worker has started yet (取消, D4.7), with a mail.

    A cancellable kind is withdrawn while accepted or awaiting its address's confirmation;
    any kind while it awaits the confirmation (nothing has been promised or started yet).
    ``reason`` is said in the mail when the withdrawal is not the customer's own request
    for it (an accepted contract cancellation withdraws what waits, D5.3).
    """
    withdrawable = (Application.Status.AWAITING,)
    if application.spec.cancellable:
        withdrawable += (Application.Status.ACCEPTED,)
    if not _finish(
        application,
        Application.Status.CANCELLED,
        reason=reason,
        actor=actor,
        ip=ip,
        from_statuses=withdrawable,
    ):
        raise NotCancellable(application.number)


def _finish(
    application,
    status,
    *,
    reason: str = "",
    after: dict | None = None,
    actor=None,
    ip: str | None = None,
    from_statuses=Application.IN_PROGRESS,
) -> bool:
    now = timezone.now()
    # ``work`` (e.g. a RADIUS hash) is needed only to carry the application out.
    fields = {"status": status, "finished_at": now, "lease_expires_at": None, "work": {}}
    if actor is not None and actor.pk and actor.kind == "operator":
        fields["finished_by"] = actor
    if reason:
        fields["failure_reason"] = reason
    if after is not None:
        fields["after"] = after
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
        spec = application.spec
        if spec.release is not None and status != Application.Status.DONE:
            spec.release(application)
        record_audit(
            actor=actor,
            action=f"application.{application.kind}.{status}",
            contract=application.contract,
            target=application.number,
            after={"状態": application.get_status_display(), "理由": reason}
            if reason
            else {"状態": application.get_status_display()},
            ip=ip,
        )
        if status != Application.Status.DONE or spec.mail_when_done:
            mails.send_outcome(application)
    return True


# --- Operators (B1) -------------------------------------------------------------------------


def operator_refusal(application: Application) -> str | None:
    """Why an operator may not act on the application now; None when they may (B1).

    An operator acts on what a worker could claim (the condition of ``claim_application``):
    an accepted application that is due, or one being processed whose worker's lease has
    expired (the worker died); a manual kind while it is accepted. One a worker holds with a
    valid lease is the worker's to finish, so that nothing is carried out twice; a finished
    one is never touched again.
    """
    if application.status in Application.FINISHED:
        return (
            f"お申込み {application.number} は「{application.get_status_display()}」"
            "で終了しているため、操作できません。"
        )
    lease = application.lease_expires_at
    if application.status == Application.Status.PROCESSING and lease and lease >= timezone.now():
        until = timezone.localtime(lease)
        return (
            f"お申込み {application.number} は処理中です（処理期限 {until:%Y/%m/%d %H:%M:%S}）。"
            "処理が終わるか、処理期限が過ぎてから操作してください。"
        )
    return None


def schedule_refusal(application: Application) -> str | None:
    """Why the application may not be carried out yet: it is due later (scheduled work), or
    it waits for its address to be confirmed."""
    if application.status == Application.Status.AWAITING:
        deadline = timezone.localtime(application.confirm_by)
        return (
            f"お申込み {application.number} はメールアドレス（{application.confirmation_email}）"
            f"の確認待ちです（確認期限 {deadline:%Y/%m/%d %H:%M}）。確認されるまでは処理できません"
            "（失敗にすることはできます）。"
        )
    if application.is_scheduled:
        due = timezone.localtime(application.not_before)
        return (
            f"お申込み {application.number} の処理予定日時は {due:%Y/%m/%d %H:%M} です。"
            "それまでは処理できません（失敗にすることはできます）。"
        )
    return None


def process_application_now(*, application: Application, operator, ip: str | None = None):
    """「処理する」: carry out an automatic kind at once with the worker's own skeleton (B1).

    Idempotent: the claim is a conditional update, so a second click, or a worker that got
    there first, finds nothing to do. Scheduled work is never carried out before it is due.
    """
    if application.spec.is_manual:
        raise NotOperable(
            f"お申込み {application.number} は手作業で処理する種別です。"
            "作業を終えたら「完了にする」を押してください。"
        )
    refusal = operator_refusal(application) or schedule_refusal(application)
    if refusal:
        raise NotOperable(refusal)
    processed = process_application(application.pk)
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
        after={"状態": application.get_status_display()},
        ip=ip,
    )
    return application


def _locked_for_operator(application: Application) -> Application:
    # The row lock makes a worker's claim wait: it then finds the application finished.
    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("contract")
        .defer("work")
        .get(pk=application.pk)
    )
    refusal = operator_refusal(locked)
    if refusal:
        raise NotOperable(refusal)
    return locked


@transaction.atomic
def complete_application_by_operator(
    *, application: Application, operator, ip: str | None = None
) -> Application:
    """「完了にする」: an operator carried out a manual kind by hand; the customer is told."""
    if not application.spec.is_manual:
        raise NotOperable(
            f"お申込み {application.number} は自動で処理する種別です。"
            "「処理する」を押してください。"
        )
    locked = _locked_for_operator(application)
    refusal = schedule_refusal(locked)
    if refusal:
        raise NotOperable(refusal)
    complete_application(locked, actor=operator, ip=ip)
    return locked


@transaction.atomic
def fail_application_by_operator(
    *, application: Application, operator, reason: str, ip: str | None = None
) -> Application:
    """「失敗にする」: fail an application with the reason the customer reads (B1)."""
    reason = reason.strip()
    if not reason:
        raise ValueError("a failure needs the reason the customer reads")
    locked = _locked_for_operator(application)
    fail_application(locked, reason=reason, actor=operator, ip=ip)
    return locked


# --- Reconcile ------------------------------------------------------------------------------


def reconcile_applications() -> int:
    """Re-enqueue processing that was lost; returns how many applications were woken.

    Lost: an automatic kind still accepted ``APPLICATION_STALE_SECONDS`` after it became due
    (``not_before``: it may be cancelled until then, so it is never woken early; after
    downtime every missed schedule is caught up), or being processed by a worker whose lease
    expired (the worker died). Manual kinds wait for an operator.
    """
    from madoguchi.applications.tasks import process_application as task

    now = timezone.now()
    stale = now - timedelta(seconds=settings.APPLICATION_STALE_SECONDS)
    # Read before enqueueing anything (a task may run at once and change the rows).
    lost = list(
        Application.objects.filter(kind__in=registry.automatic_codes())
        .filter(
            Q(status=Application.Status.ACCEPTED, not_before__lt=stale)
            | Q(status=Application.Status.PROCESSING, lease_expires_at__lt=now)
        )
        .values_list("pk", flat=True)
    )
    for pk in lost:
        task.enqueue(application_id=pk)
    if lost:
        logger.info("reconcile: re-enqueued %d application(s)", len(lost))
    return len(lost)
