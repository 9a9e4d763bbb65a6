"""Login throttling with device cookies (D1.2), for every kind of login.

The rules, per scope (the desk, the back office, the support site's support IDs and
mailboxes), with the limits of ``settings.LOGIN_*``:

- An **ID** with ``LOGIN_FAILURE_LIMIT`` failures within ``LOGIN_FAILURE_WINDOW`` is locked for
  ``LOGIN_LOCKOUT`` for unknown browsers, whatever the username (existing or not).
- A browser that logged in to an ID before holds a signed **device entry** for it (a cookie,
  per scope, that can hold entries for several IDs). The ID's lock does not apply to it, so a
  third party cannot lock the customer out; it has its own limit instead
  (``LOGIN_DEVICE_FAILURE_LIMIT``), so a stolen entry does not allow unlimited guesses.
- An **address** with ``LOGIN_ADDRESS_FAILURE_LIMIT`` failures (across every ID) is locked
  for unknown browsers (credential stuffing); the limit is high because an office or a
  carrier NAT is one address. Scopes count apart: the desk never locks the back office.
- Every failure counts towards its ID's lock, from whichever browser. A lock is never
  extended: attempts refused during a lock record nothing.
- ``check`` runs before any password hash is computed, so a locked login costs no Argon2.

The client address comes from ``audit.services.forwarded_client_ip`` (the audit log's too).
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import authenticate as django_authenticate
from django.core import signing
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from madoguchi.audit.services import forwarded_client_ip, record_audit
from madoguchi.lib.dates import format_datetime
from madoguchi.throttling.models import USERNAME_MAX_LENGTH, LoginFailure, LoginLock

# A password longer than this is wrong without hashing it (bounds the work of one attempt).
MAX_PASSWORD_LENGTH = 4096
# A browser keeps device entries for this many IDs per scope (newest first).
MAX_DEVICE_ENTRIES = 8
SCOPES: dict[str, "Scope"] = {}


@dataclass(frozen=True)
class Scope:
    """One kind of login, throttled on its own: its rows, its device cookie, its wording.

    Declared by the app that owns the login page (the desk's and the back office's in
    ``contracts.services``); the support site declares its own.
    """

    name: str  # stored in the rows
    title: str  # shown to operators
    id_label: str  # what the login's ID is called on its page: 認証ID, ユーザー名
    cookie_name: str

    def __post_init__(self):
        SCOPES[self.name] = self

    @property
    def salt(self) -> str:
        return f"madoguchi.throttling.device.{self.name}"


@dataclass(frozen=True)
class Refusal:
    """Why a login is refused now, and until when."""

    kind: str  # LoginLock.Kind
    until: datetime
    message: str


@dataclass(frozen=True)
class Outcome:
    """What a throttled authentication gave: a user, or nobody (and maybe a refusal)."""

    user: object | None
    refusal: Refusal | None = None


def lockout_minutes() -> int:
    return int(settings.LOGIN_LOCKOUT.total_seconds() // 60)


def message_for(scope: Scope, kind: str) -> str:
    """The login page's message for a lock of this kind (it says which, never whether the ID
    exists: IDs are locked whether or not they exist)."""
    minutes = lockout_minutes()
    if kind == LoginLock.Kind.ADDRESS:
        return (
            f"お使いのネットワークからのログインの失敗が多いため、{minutes}分間ログインを"
            "停止しています。しばらくしてから再度お試しください。"
        )
    return (
        f"この{scope.id_label}へのログインに続けて失敗したため、{minutes}分間ログインを"
        "停止しています。しばらくしてから再度お試しください。"
    )


def _refusal(scope: Scope, lock: LoginLock) -> Refusal:
    return Refusal(kind=lock.kind, until=lock.locked_until, message=message_for(scope, lock.kind))


def _clip(username: str) -> str:
    return username[:USERNAME_MAX_LENGTH]


# --- Device cookies ---------------------------------------------------------------------------


def _device_entries(scope: Scope, request: HttpRequest) -> list[tuple[str, str, str]]:
    """The valid entries of the browser's device cookie: (username, device id, signed entry).

    Each entry is signed on its own (Django signing, with the scope's salt) and expires after
    ``LOGIN_DEVICE_COOKIE_AGE``; a tampered, expired or foreign entry is ignored.
    """
    cache = request.__dict__.setdefault("_login_devices", {})
    if scope.name in cache:
        return cache[scope.name]
    entries = []
    raw = request.COOKIES.get(scope.cookie_name, "")
    max_age = settings.LOGIN_DEVICE_COOKIE_AGE.total_seconds()
    for signed in raw.split("|")[: MAX_DEVICE_ENTRIES * 2]:
        try:
            username, device = signing.loads(signed, salt=scope.salt, max_age=max_age)
        except (signing.BadSignature, ValueError, TypeError):
            continue
        if isinstance(username, str) and isinstance(device, str):
            entries.append((username, device, signed))
    cache[scope.name] = entries
    return entries


def device_of(scope: Scope, request: HttpRequest, username: str) -> str:
    """The id of the browser's device entry for ``username``, or "" (an unknown browser)."""
    username = _clip(username)
    for name, device, _signed in _device_entries(scope, request):
        if name == username:
            return device
    return ""


def remember_device(
    scope: Scope, request: HttpRequest, response: HttpResponse, username: str
) -> None:
    """After a successful login: give the browser a new device entry for ``username``.

    The entry is new at every login (a fresh id, so its failures start from nothing); entries
    for other IDs are kept, the oldest dropped beyond ``MAX_DEVICE_ENTRIES``.
    """
    username = _clip(username)
    fresh = signing.dumps([username, secrets.token_urlsafe(16)], salt=scope.salt)
    kept = [signed for name, _d, signed in _device_entries(scope, request) if name != username]
    response.set_cookie(
        scope.cookie_name,
        "|".join([fresh, *kept][:MAX_DEVICE_ENTRIES]),
        max_age=int(settings.LOGIN_DEVICE_COOKIE_AGE.total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# --- The rules --------------------------------------------------------------------------------


def _active_locks(scope: Scope, request: HttpRequest, username: str, now: datetime):
    """The locks that apply to this browser's attempt on ``username`` now (a queryset)."""
    device = device_of(scope, request, username)
    locks = LoginLock.objects.filter(scope=scope.name, locked_until__gt=now)
    if device:
        return locks.filter(kind=LoginLock.Kind.DEVICE, key=device)
    applies = Q(kind=LoginLock.Kind.ID, key=_clip(username))
    address = forwarded_client_ip(request)
    if address:
        applies |= Q(kind=LoginLock.Kind.ADDRESS, key=address)
    return locks.filter(applies)


def check(scope: Scope, request: HttpRequest, username: str) -> Refusal | None:
    """Whether an attempt on ``username`` from this browser is refused now (one query).

    Call it before any password hash is computed; a refused attempt is not recorded.
    """
    # When both hold, the message names the ID's lock rather than the address's.
    lock = (
        _active_locks(scope, request, username, timezone.now())
        .order_by("-kind", "-locked_until")  # "id" sorts after "address"
        .first()
    )
    return _refusal(scope, lock) if lock is not None else None


@transaction.atomic
def record_failure(scope: Scope, request: HttpRequest, username: str) -> Refusal | None:
    """Count a wrong password for ``username``; lock what reached its limit.

    Returns the refusal that now applies to this browser (the failure that reached the limit
    is answered with the lock's message at once), or None.
    """
    now = timezone.now()
    username = _clip(username)
    address = forwarded_client_ip(request)
    device = device_of(scope, request, username)
    LoginFailure.objects.create(
        scope=scope.name, username=username, ip_address=address, device=device, failed_at=now
    )
    # One query counts the failures within the window of the ID, the address and the device.
    keys, counts = Q(username=username), {"id": Count("pk", filter=Q(username=username))}
    if address:
        keys |= Q(ip_address=address)
        counts["address"] = Count("pk", filter=Q(ip_address=address))
    if device:
        keys |= Q(device=device)
        counts["device"] = Count("pk", filter=Q(device=device))
    counted = LoginFailure.objects.filter(
        keys, scope=scope.name, failed_at__gt=now - settings.LOGIN_FAILURE_WINDOW
    ).aggregate(**counts)
    reached = []
    if counted["id"] >= settings.LOGIN_FAILURE_LIMIT:
        reached.append((LoginLock.Kind.ID, username, username))
    if device and counted["device"] >= settings.LOGIN_DEVICE_FAILURE_LIMIT:
        reached.append((LoginLock.Kind.DEVICE, device, username))
    if address and counted["address"] >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        reached.append((LoginLock.Kind.ADDRESS, address, ""))
    if reached:
        active = LoginLock.objects.filter(scope=scope.name, locked_until__gt=now).filter(
            Q(*[Q(kind=kind, key=key) for kind, key, _u in reached], _connector=Q.OR)
        )
        held = set(active.values_list("kind", "key"))
        # A lock that holds already is not extended: it ends LOGIN_LOCKOUT after it began.
        LoginLock.objects.bulk_create(
            LoginLock(
                scope=scope.name,
                kind=kind,
                key=key,
                username=name,
                locked_at=now,
                locked_until=now + settings.LOGIN_LOCKOUT,
            )
            for kind, key, name in reached
            if (kind, key) not in held
        )
    return check(scope, request, username)


def authenticate(
    scope: Scope,
    request: HttpRequest,
    *,
    username: str,
    password: str,
    admits,
    credentials: Sequence[dict] | None = None,
) -> Outcome:
    """Throttled authentication: the check, then Django's ``authenticate``, then the count.

    ``username`` is what the scope counts and locks. ``credentials`` are the keyword sets
    handed to Django's ``authenticate`` with the password, tried in order until one gives a
    user (default: ``{"username": username}``); the support site tries a support ID, then a
    mailbox, under one address. ``admits(user)`` says whether this login page admits the
    user (its kind); a user it does not admit is a failure like a wrong password. However
    many sets are tried, one attempt counts once. A password longer than any real one is a
    failure without hashing.
    """
    refusal = check(scope, request, username)
    if refusal is not None:
        return Outcome(user=None, refusal=refusal)
    user = None
    if len(password) <= MAX_PASSWORD_LENGTH:
        for keywords in credentials or [{"username": username}]:
            user = django_authenticate(request, **keywords, password=password)
            if user is not None:
                break
    if user is None or not admits(user):
        return Outcome(user=None, refusal=record_failure(scope, request, username))
    return Outcome(user=user)


# --- What operators see and do ----------------------------------------------------------------


@dataclass(frozen=True)
class LockState:
    """The throttling state of one ID, for the back office."""

    username: str
    failures: int  # within the window, from every browser and address
    locked_until: datetime | None  # the ID's lock for unknown browsers
    devices_locked_until: tuple[datetime, ...] = ()  # locks of browsers that logged in before

    @property
    def locked(self) -> bool:
        return self.locked_until is not None or bool(self.devices_locked_until)


def lock_state(scope: Scope, username: str) -> LockState:
    now = timezone.now()
    username = _clip(username)
    failures = LoginFailure.objects.filter(
        scope=scope.name, username=username, failed_at__gt=now - settings.LOGIN_FAILURE_WINDOW
    ).count()
    locks = LoginLock.objects.filter(
        scope=scope.name, username=username, locked_until__gt=now
    ).values_list("kind", "locked_until")
    ids = [until for kind, until in locks if kind == LoginLock.Kind.ID]
    devices = sorted(until for kind, until in locks if kind == LoginLock.Kind.DEVICE)
    return LockState(
        username=username,
        failures=failures,
        locked_until=max(ids) if ids else None,
        devices_locked_until=tuple(devices),
    )


@transaction.atomic
def unlock(scope: Scope, username: str) -> int:
    """Lift the ID's locks and those of its browsers, and forget its failures.

    Forgetting them matters: the next failure would lock it again at once. Returns how many
    rows went.
    """
    username = _clip(username)
    locks, _ = LoginLock.objects.filter(scope=scope.name, username=username).delete()
    failures, _ = LoginFailure.objects.filter(scope=scope.name, username=username).delete()
    return locks + failures


@transaction.atomic
def unlock_address(scope: Scope, address: str) -> int:
    """Lift an address's lock and forget the failures counted from it."""
    locks, _ = LoginLock.objects.filter(
        scope=scope.name, kind=LoginLock.Kind.ADDRESS, key=address
    ).delete()
    failures, _ = LoginFailure.objects.filter(scope=scope.name, ip_address=address).delete()
    return locks + failures


def describe(lock: LoginLock) -> str:
    """A lock as operators read it: the login, what is locked, until when."""
    scope = SCOPES.get(lock.scope)
    where = scope.title if scope else lock.scope
    target = {
        LoginLock.Kind.ID: f"{lock.key}（ログイン実績のないブラウザ）",
        LoginLock.Kind.DEVICE: f"{lock.username}（ログイン実績のあるブラウザ）",
        LoginLock.Kind.ADDRESS: f"IPアドレス {lock.key}",
    }[lock.kind]
    return f"{where}：{target}、{format_datetime(lock.locked_until)} まで"


def lift_locks(locks, *, operator, ip: str | None) -> list[str]:
    """Lift the given locks (the back office's lock list), each audited (X7)."""
    lifted = []
    for lock in locks:
        scope = SCOPES.get(lock.scope)
        if scope is None:
            continue
        if lock.kind == LoginLock.Kind.ADDRESS:
            unlock_address(scope, lock.key)
        else:
            unlock(scope, lock.username)
        record_audit(
            actor=operator,
            action="login.unlock",
            target=lock.username or lock.key,
            before={"ロック": describe(lock)},
            after={"ロック": "なし"},
            ip=ip,
        )
        lifted.append(lock.username or lock.key)
    return lifted


def purge(now: datetime | None = None) -> tuple[int, int]:
    """Delete failures that no longer count and locks that have ended; (failures, locks)."""
    now = now or timezone.now()
    failures, _ = LoginFailure.objects.filter(
        failed_at__lte=now - settings.LOGIN_FAILURE_WINDOW
    ).delete()
    locks, _ = LoginLock.objects.filter(locked_until__lte=now).delete()
    return failures, locks
