"""The lifecycle of applications (X3): submit, claim with a lease, complete, fail, reconcile."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
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
    transaction.on_commit(lambda: enqueue_work(application))
    return application


def enqueue_work(application: Application) -> None:
    """Wake a worker for the application's processing and, if any, its acceptance mail."""
    from madoguchi.applications.tasks import send_application_mail

    if application.is_in_progress:
        registry.processor_for(application.kind).enqueue(application_id=application.pk)
    if application.mail_to and application.mail_sent_at is None:
        send_application_mail.enqueue(application_id=application.pk)


def claim_application(application_id: int) -> Application | None:
    """Take the application for processing with a lease; None if done or held by another."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.APPLICATION_LEASE_SECONDS)
    claimable = Q(status=Application.Status.ACCEPTED) | Q(
        status=Application.Status.PROCESSING, lease_expires_at__lt=now
    )
    with transaction.atomic():
        updated = (
            Application.objects.filter(claimable, pk=application_id)
            .select_for_update()
            .update(status=Application.Status.PROCESSING, lease_expires_at=lease)
        )
        if not updated:
            return None
        application = Application.objects.select_related("contract", "submitted_by").get(
            pk=application_id
        )
        application.attempts += 1
        application.save(update_fields=["attempts"])
    return application


def complete_application(application: Application, *, after: dict | None = None) -> None:
    """Mark a claimed application done (only if it is still ours to finish)."""
    _finish(application, Application.Status.DONE, after=after)


def fail_application(application: Application, *, reason: str, actor=None) -> None:
    """Mark an application failed with a reason the customer sees."""
    _finish(application, Application.Status.FAILED, reason=reason, actor=actor)


def _finish(application, status, *, reason: str = "", after: dict | None = None, actor=None):
    now = timezone.now()
    fields = {"status": status, "finished_at": now, "lease_expires_at": None}
    if reason:
        fields["failure_reason"] = reason
    if after is not None:
        fields["after"] = after
    with transaction.atomic():
        updated = Application.objects.filter(
            pk=application.pk, status__in=Application.IN_PROGRESS
        ).update(**fields)
        if updated:
            record_audit(
                actor=actor,
                action=f"application.{application.kind}.{status}",
                contract=application.contract,
                target=application.number,
                after={"status": status, "reason": reason} if reason else {"status": status},
            )
    for name, value in fields.items():
        setattr(application, name, value)


def reconcile_applications() -> int:
    """Re-enqueue work whose lease expired or that nobody picked up; returns how many."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.APPLICATION_STALE_SECONDS)
    lost = Application.objects.filter(
        Q(status=Application.Status.ACCEPTED, submitted_at__lt=stale)
        | Q(status=Application.Status.PROCESSING, lease_expires_at__lt=now)
        | Q(mail_sent_at__isnull=True, submitted_at__lt=stale) & ~Q(mail_to=[])
    )
    count = 0
    for application in lost.iterator():
        enqueue_work(application)
        count += 1
    if count:
        logger.info("reconcile: re-enqueued %d application(s)", count)
    return count
