"""Writing the audit log (X7), and the client address it and login throttling record."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

from madoguchi.audit.models import AuditEntry


def forwarded_client_ip(request: HttpRequest) -> str | None:
    """The client's address behind ``MADOGUCHI_PROXY_COUNT`` proxies: the one helper that the
    audit log, login throttling and the applications' recorded address all use.

    Each proxy appends the address it was connected from to ``X-Forwarded-For``, so the
    client is the entry the outermost proxy wrote: the N-th from the right. Entries further
    left came from the client itself and are never trusted. Without proxies the header is
    ignored: anyone can send it.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.MADOGUCHI_PROXY_COUNT
    if proxies <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [entry.strip() for entry in header.split(",") if entry.strip()]
    if not forwarded:
        return remote
    # Fewer entries than proxies: the request skipped the outer ones; the leftmost entry is
    # the one written by the outermost proxy it did pass.
    candidate = forwarded[-min(proxies, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote  # not an address: a misconfigured proxy; its peer is all we know


def client_ip(request: HttpRequest | None) -> str | None:
    """The client address exactly as login throttling counts it (None without a request)."""
    if request is None:
        return None
    return forwarded_client_ip(request)


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
