"""Background work common to every application: its acceptance and outcome mails."""

from django.utils import timezone
from django_tasks import task

from madoguchi.applications.models import Application
from madoguchi.lib.emails import send_email


def _send_once(application_id: int, *, to_field: str, sent_field: str, template) -> None:
    """Send one of an application's mails once, then mark it sent.

    Sent before it is marked, so a worker killed in between sends it again rather than
    never: a customer may rarely get it twice, but never misses it.
    """
    application = Application.objects.select_related("contract").filter(pk=application_id).first()
    if application is None or getattr(application, sent_field) is not None:
        return
    recipients = getattr(application, to_field)
    if not recipients:
        return
    send_email(
        template(application),
        to=recipients,
        context={"application": application, "contract": application.contract},
    )
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
        template=lambda a: f"application_{a.kind}",
    )


@task()
def send_outcome_mail(application_id: int) -> None:
    """The mail that an application was completed or failed (D4.8, B1)."""
    _send_once(
        application_id,
        to_field="outcome_mail_to",
        sent_field="outcome_mail_sent_at",
        template=lambda a: f"application_{a.status}",
    )
