"""Links mailed to a support ID that mail scanners cannot burn (S2, S3).

``issue`` makes a token and returns the text for the link; ``peek`` tells the page the link
opens whether the token is good (a GET changes nothing); ``use`` spends it, once, on the
POST of that page's button. Tokens are 256 random bits, stored only as a SHA-256 digest of
their verifier half, compared with ``hmac.compare_digest``, single-use and expiring.
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from madoguchi.supportid.models import MailToken, SupportAccount

SELECTOR_BYTES = 12
VERIFIER_BYTES = 32


class TokenInvalid(Exception):
    """The token is unknown, altered, of another purpose, used or expired."""

    def __init__(self, reason: str, row: MailToken | None = None):
        super().__init__(reason)
        self.reason = reason  # "unknown", "used", "expired"
        # The genuine token's row for "used" and "expired" (what it was for), else None.
        self.row = row


def _digest(verifier: str) -> str:
    return hashlib.sha256(verifier.encode()).hexdigest()


def issue(
    account: SupportAccount,
    purpose: str,
    *,
    lifetime: timedelta,
    target: int | None = None,
    now: datetime | None = None,
) -> str:
    """Store a new token and return the text for the mailed link (shown once, never kept)."""
    now = now or timezone.now()
    selector = secrets.token_urlsafe(SELECTOR_BYTES)
    verifier = secrets.token_urlsafe(VERIFIER_BYTES)
    MailToken.objects.create(
        purpose=purpose,
        selector=selector,
        verifier_digest=_digest(verifier),
        account=account,
        target=target,
        created_at=now,
        expires_at=now + lifetime,
    )
    return f"{selector}.{verifier}"


def _find(token: str, purpose: str, *, lock: bool) -> MailToken:
    selector, dot, verifier = token.partition(".")
    if not dot or not selector or not verifier or len(token) > 200:
        raise TokenInvalid("unknown")
    rows = MailToken.objects.select_related("account__user")
    if lock:
        rows = rows.select_for_update(of=("self",))
    row = rows.filter(selector=selector).first()
    # The digest is compared even for an unknown selector, so both take the same time.
    expected = row.verifier_digest if row is not None else _digest("")
    matches = hmac.compare_digest(expected, _digest(verifier))
    if row is None or not matches or row.purpose != purpose:
        raise TokenInvalid("unknown")
    if row.used_at is not None:
        raise TokenInvalid("used", row)
    if row.expires_at <= timezone.now():
        raise TokenInvalid("expired", row)
    return row


def peek(token: str, purpose: str) -> MailToken:
    """The token's row if it could be used now; raises TokenInvalid. Changes nothing."""
    return _find(token, purpose, lock=False)


def use(token: str, purpose: str) -> MailToken:
    """Spend the token (inside the caller's transaction): its row, locked and marked used.

    Raises TokenInvalid; two requests with the same token at once spend it once.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("tokens.use() must run inside transaction.atomic()")
    row = _find(token, purpose, lock=True)
    row.used_at = timezone.now()
    row.save(update_fields=["used_at"])
    return row


def revoke(account: SupportAccount, purpose: str, *, target: int | None = None) -> int:
    """Make the account's unused tokens of a purpose (and target) unusable."""
    rows = MailToken.objects.filter(account=account, purpose=purpose, used_at__isnull=True)
    if target is not None:
        rows = rows.filter(target=target)
    return rows.update(used_at=timezone.now())


def purge(now: datetime | None = None) -> int:
    """Delete tokens that expired more than a day ago (used or not)."""
    now = now or timezone.now()
    deleted, _ = MailToken.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    return deleted
