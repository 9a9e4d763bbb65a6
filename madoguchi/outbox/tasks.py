from django_tasks import task

from madoguchi.outbox import services


@task()
def deliver_mail() -> int:
    """Send what the outbox holds that is due (one wake-up sends every due mail)."""
    return services.deliver_due()
