"""Background work common to every application: its acceptance and outcome mails."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from madoguchi.applications.models import Application
from madoguchi.lib.emails import send_email

# How long a worker's claim on a mail keeps others from sending it. Longer than any send
# takes (EMAIL_TIMEOUT is 10 s per SMTP operation); a worker that died while sending
# leaves its claim, and the mail goes out once the claim has run out (reconcile wakes it).
MAIL_CLAIM_SECONDS = 600


def _send_once(
    application_id: int, *, to_field: str, sent_field: str, claimed_field: str, template
) -> None:
    """Send one of an application's mails once, then mark it sent.

    Workers woken twice for the same mail (reconcile, a retried task) race for it with a
    conditional update of ``claimed_field``: only the winner sends. It marks the mail sent
    after sending, so a worker killed in between leaves the mail unsent and claimed; once
    the claim has expired it is sent again rather than never (rarely twice, never lost).
    """
    now = timezone.now()
    unclaimed = Q(**{f"{claimed_field}__isnull": True}) | Q(
        **{f"{claimed_field}__lt": now - timedelta(seconds=MAIL_CLAIM_SECONDS)}
    )
    claimed = (
        Application.objects.filter(pk=application_id, **{f"{sent_field}__isnull": True})
        .filter(unclaimed)
        .update(**{claimed_field: now})
    )
    if not claimed:
        return  # sent already, being sent by another worker, or no such application
    ours = Application.objects.filter(pk=application_id, **{claimed_field: now})
    application = Application.objects.select_related("contract").get(pk=application_id)
    recipients = getattr(application, to_field)
    if not recipients:
        ours.update(**{claimed_field: None})
        return
    try:
        send_email(
            template(application),
            to=recipients,
            context={"application": application, "contract": application.contract},
        )
    except Exception:
        # Not sent (the relay refused, …): give the mail back so a retry may send it now.
        ours.update(**{claimed_field: None})
        raise
    Application.objects.filter(pk=application_id, **{f"{sent_field}__isnull": True}).update(
        **{sent_field: timezone.now()}
    )


@task()
def send_application_mail(application_id: int) -> None:
    """The acceptance mail, to the addresses the customer chose (X4)."""
    application = Application.objects.filter(pk=application_id).only("status").first()
    # Withdrawn before its mail went out: telling of its acceptance would only confuse.
    if application is None or application.status == Application.Status.CANCELLED:
        return
    _send_once(
        application_id,
        to_field="mail_to",
        sent_field="mail_sent_at",
        claimed_field="mail_claimed_at",
        template=lambda a: f"application_{a.kind}",
    )


@task()
def send_outcome_mail(application_id: int) -> None:
    """The mail that an application was completed or failed (D4.8, B1)."""
    _send_once(
        application_id,
        to_field="outcome_mail_to",
        sent_field="outcome_mail_sent_at",
        claimed_field="outcome_mail_claimed_at",
        template=lambda a: f"application_{a.status}",
    )
