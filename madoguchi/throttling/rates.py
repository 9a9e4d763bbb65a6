"""Hourly limits on forms that send mail to an address someone typed (S2, S3).

A registration, a password reset, an ID reminder or a destination add mails an address the
visitor chose. ``take`` counts one use per client address and per mail address in the
current hour (a fixed window) and refuses once either reached its limit, so nobody can mail-
bomb an address, or flood the outbox, through these forms. Each key's row is locked while it
is counted, so two requests at once never both pass the last free use.

Keys are stored as keyed digests (HMAC with the secret key): the table never holds the
addresses people typed.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from madoguchi.throttling.models import RequestCount

WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Limited:
    """A limit reached: which key (``client`` or ``address``) and when it frees again."""

    key: str
    until: datetime

    @property
    def until_text(self) -> str:
        return f"{timezone.localtime(self.until):%H:%M}"


def _digest(action: str, value: str) -> str:
    message = f"{action}\x00{value.strip().lower()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _window_start(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def _count(action: str, key: str, window_start: datetime) -> int:
    """Add one use to the row of (action, key, window) and return the new count.

    The row is locked while it is counted, so the count returned is this use's own.
    """
    rows = RequestCount.objects.select_for_update().filter(
        action=action, key=key, window_start=window_start
    )
    with transaction.atomic():
        row = rows.first()
        if row is None:
            try:
                with transaction.atomic():
                    RequestCount.objects.create(
                        action=action, key=key, window_start=window_start, count=1
                    )
                    return 1
            except IntegrityError:  # created by a request at the same moment
                row = rows.get()
        row.count += 1
        row.save(update_fields=["count"])
        return row.count


def take(
    action: str, *, limits: dict[str, tuple[str | None, int]], now: datetime | None = None
) -> Limited | None:
    """Count one use of ``action`` for each key and say whether a limit is exceeded.

    ``limits`` maps a key name (``"client"``, ``"address"``) to its value and its limit per
    hour; a value of None (no client address known) is not counted. A refused use counts
    too, so hammering a limit does not reopen it.
    """
    now = now or timezone.now()
    window_start = _window_start(now)
    refused = None
    for name, (value, limit) in limits.items():
        if not value:
            continue
        if _count(action, _digest(action, value), window_start) > limit and refused is None:
            refused = Limited(key=name, until=window_start + WINDOW)
    return refused


def take_mail_form(action: str, *, ip: str | None, address: str) -> Limited | None:
    """``take`` with the limits of the forms that mail a typed address (S2, S3):
    ``MAIL_FORM_LIMIT_PER_CLIENT`` per client and ``MAIL_FORM_LIMIT_PER_ADDRESS`` per address."""
    return take(
        action,
        limits={
            "client": (ip, settings.MAIL_FORM_LIMIT_PER_CLIENT),
            "address": (address, settings.MAIL_FORM_LIMIT_PER_ADDRESS),
        },
    )


def purge(now: datetime | None = None) -> int:
    """Delete the counts of windows that have ended."""
    now = now or timezone.now()
    deleted, _ = RequestCount.objects.filter(window_start__lt=_window_start(now)).delete()
    return deleted
