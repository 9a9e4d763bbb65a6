"""Background work common to every application."""

from django.utils import timezone
from django_tasks import task

from madoguchi.applications.models import Application
from madoguchi.lib.emails import send_email


@task()
def send_application_mail(application_id: int) -> None:
    """Send the acceptance mail of an application once (X4).

    Sent before it is marked, so a worker killed in between sends it again rather than
    never: a customer may rarely get it twice, but never misses it.
    """
    application = Application.objects.select_related("contract").filter(pk=application_id).first()
    if application is None or application.mail_sent_at is not None or not application.mail_to:
        return
    send_email(
        f"application_{application.kind}",
        to=application.mail_to,
        context={"application": application, "contract": application.contract},
    )
    Application.objects.filter(pk=application_id, mail_sent_at__isnull=True).update(
        mail_sent_at=timezone.now()
    )
