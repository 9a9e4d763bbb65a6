"""Writing the audit log (X7)."""

from django.http import HttpRequest

from madoguchi.audit.models import AuditEntry


def client_ip(request: HttpRequest | None) -> str | None:
    """The client address as the web server saw it (a proxy count is the deployment's job)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record_audit(
    *,
    actor,
    action: str,
    contract=None,
    target: str = "",
    before: dict | None = None,
    after: dict | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Append one audit row; callers pass only display values, never secrets."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor.username if actor is not None else "system",
        contract=contract,
        action=action,
        target=target,
        before=before or {},
        after=after or {},
        ip_address=ip,
    )
