"""Signed tokens of notification mails: the VERP bounce address and the unsubscribe link.

A token names one sent mail: ``d<id>`` a delivery row, ``m<id>`` an outbox mail (id in
base 36), then ``-`` and 20 hexadecimal digits (80 bits) of a keyed BLAKE2b MAC under a key
of its own purpose, in lower case only (mail systems may fold the case of a local part).
Computing one takes a few microseconds: the fan-out makes two per recipient. A token is never
stored.
"""

import hashlib
import hmac
from dataclasses import dataclass
from functools import cache

from django.conf import settings

DELIVERY = "d"
MAIL = "m"
BOUNCE = "bounce"
UNSUBSCRIBE = "unsubscribe"
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


class BadToken(Exception):
    """A token that was never issued, or was altered."""


@dataclass(frozen=True)
class Target:
    kind: str  # DELIVERY or MAIL
    pk: int


@cache
def _key(purpose: str, secret: str) -> bytes:
    return hashlib.sha256(f"madoguchi.delivery.{purpose}:{secret}".encode()).digest()


def _base36(number: int) -> str:
    digits = []
    while True:
        number, rest = divmod(number, 36)
        digits.append(_DIGITS[rest])
        if not number:
            return "".join(reversed(digits))


def _signature(purpose: str, name: str) -> str:
    digest = hashlib.blake2b(
        name.encode(), key=_key(purpose, settings.SECRET_KEY), digest_size=10
    ).hexdigest()
    return digest


def make(purpose: str, kind: str, pk: int) -> str:
    name = f"{kind}{_base36(pk)}"
    return f"{name}-{_signature(purpose, name)}"


def read(purpose: str, token: str) -> Target:
    """What a token names; BadToken when it was not issued for this purpose."""
    name, _, signature = token.strip().lower().partition("-")
    if len(name) < 2 or name[0] not in (DELIVERY, MAIL) or len(name) > 14:
        raise BadToken(token)
    if not hmac.compare_digest(signature, _signature(purpose, name)):
        raise BadToken(token)
    try:
        pk = int(name[1:], 36)
    except ValueError:
        raise BadToken(token) from None
    return Target(name[0], pk)


def bounce_address(kind: str, pk: int) -> str:
    """The envelope sender of a mail: bounce+<token>@BOUNCE_DOMAIN (VERP)."""
    return f"bounce+{make(BOUNCE, kind, pk)}@{settings.BOUNCE_DOMAIN}"


def unsubscribe_mailto(pk: int) -> str:
    return f"unsubscribe+{make(UNSUBSCRIBE, DELIVERY, pk)}@{settings.BOUNCE_DOMAIN}"


def read_address(address: str) -> tuple[str, Target]:
    """(purpose, target) of bounce+… or unsubscribe+… at the bounce domain."""
    local, _, domain = address.strip().strip("<>").lower().rpartition("@")
    if domain != settings.BOUNCE_DOMAIN.lower():
        raise BadToken(address)
    prefix, _, token = local.partition("+")
    if prefix not in (BOUNCE, UNSUBSCRIBE) or not token:
        raise BadToken(address)
    return prefix, read(prefix, token)
