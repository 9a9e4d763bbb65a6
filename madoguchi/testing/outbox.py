"""What the outbox holds for an application (test helper)."""

from madoguchi.outbox.models import Mail


def acceptance_recipients(application) -> list[str]:
    """The addresses the application's acceptance mail was queued for, sorted."""
    return sorted(
        Mail.objects.filter(reference=application.number)
        .exclude(template__in=["application_done", "application_failed", "application_cancelled"])
        .values_list("to", flat=True)
    )
