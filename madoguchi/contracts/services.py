"""Operator changes to contracts and logins (B4, D7.1), each written to the audit log (X7)."""

from dataclasses import dataclass
from datetime import datetime

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from madoguchi.audit.services import record_audit
from madoguchi.contracts.models import Contract, PhonePage, User

CONTRACT_FLAGS = ("online_password_change_allowed", "paper_application_in_progress")
PHONE_PAGE_FIELDS = ("phone_number", "hours", "body")


@dataclass(frozen=True)
class LoginLock:
    """Throttling state of one login as axes counts it (D1.2).

    Axes locks an address after ``AXES_FAILURE_LIMIT`` failures from it within the cool-off,
    for every ID (``AXES_LOCKOUT_PARAMETERS``). A login is locked when an address it was
    tried from (failed, or refused while locked) is locked now.
    """

    username: str
    failures: int  # this login's own failures within the cool-off, from every address
    locked: bool
    locked_until: datetime | None  # when the last of its address locks ends
    addresses: tuple[str, ...] = ()  # the locked addresses it was tried from


def _field_label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def desk_user_of(contract: Contract) -> User | None:
    """The contract's desk credential (one per contract), or None."""
    return contract.users.filter(kind=User.Kind.DESK).first()


# The user agent of the rows that remember a login refused while its address was locked.
REFUSED_MARKER = "(refused while locked out)"


def recent_attempts(username: str | None = None):
    """Axes' attempt rows that still count towards a lockout (of ``username`` if given)."""
    attempts = AccessAttempt.objects.all()
    if username is not None:
        attempts = attempts.filter(username=username)
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts


def login_lock_state(username: str) -> LoginLock:
    """Whether axes refuses this username now at an address it was tried from (B4); 1 query."""
    own_addresses = recent_attempts(username).values("ip_address")
    rows = (
        recent_attempts()
        .filter(Q(username=username) | Q(ip_address__in=own_addresses))
        .order_by("-attempt_time")
        .values_list("username", "ip_address", "failures_since_start", "attempt_time")
    )
    limit = settings.AXES_FAILURE_LIMIT
    cool_off = get_cool_off()
    failures = 0
    counted: dict[str | None, int] = {}
    until: dict[str, datetime] = {}
    for name, address, count, attempt_time in rows:  # newest first
        if name == username:
            failures += count
        counted[address] = counted.get(address, 0) + count
        # Locked while the newest rows making up the limit are within the cool-off.
        if address is not None and address not in until and counted[address] >= limit:
            until[address] = attempt_time + cool_off if cool_off else None
    addresses = tuple(sorted(until))
    ends = [end for end in until.values() if end is not None]
    return LoginLock(
        username=username,
        failures=failures,
        locked=bool(addresses),
        locked_until=max(ends) if ends else None,
        addresses=addresses,
    )


def note_refused_login(*, username: str, ip_address: str | None) -> None:
    """Remember that a desk login was refused at a locked address, for the unlock (B4).

    Axes records nothing for attempts refused during a lock (so they cannot extend it). A
    customer kept out by an address lock that others caused would then have no row naming
    that address, and the operator's unlock could not find it. A row with no failure is kept
    instead: it counts towards no lock and expires with the cool-off like axes' own. Only for
    existing desk IDs, one row per ID and address, so refused guesses cannot fill the table.
    """
    if (
        ip_address is None
        or not User.objects.filter(username=username, kind=User.Kind.DESK).exists()
    ):
        return
    now = timezone.now()
    trace, created = AccessAttempt.objects.get_or_create(
        username=username,
        ip_address=ip_address,
        user_agent=REFUSED_MARKER,
        defaults={"failures_since_start": 0, "attempt_time": now},
    )
    if not created:
        # Only a row without failures is refreshed: a failure's time must never move on.
        AccessAttempt.objects.filter(pk=trace.pk, failures_since_start=0).update(attempt_time=now)


def _login_of(contract_or_user: Contract | User) -> tuple[User | None, Contract | None]:
    if isinstance(contract_or_user, Contract):
        return desk_user_of(contract_or_user), contract_or_user
    return contract_or_user, contract_or_user.contract


@transaction.atomic
def unlock_login(*, contract_or_user: Contract | User, operator: User, ip: str | None) -> int:
    """Lift axes' lockouts that keep a login out (D1.2, B4); returns how many rows were reset.

    The login's own rows go, and so do all rows of every address it was tried from: the
    lock there may be of other people's failures (colleagues behind one office address).
    """
    user, contract = _login_of(contract_or_user)
    if user is None:
        return 0
    state = login_lock_state(user.username)
    addresses = set(
        AccessAttempt.objects.filter(username=user.username)
        .exclude(ip_address=None)
        .values_list("ip_address", flat=True)
    )
    count = axes_reset(username=user.username)
    for address in sorted(addresses):
        count += axes_reset(ip=address)
    before = {"ロック": "ロック中" if state.locked else "なし", "失敗回数": state.failures}
    if state.addresses:
        before["停止中のアドレス"] = list(state.addresses)
    record_audit(
        actor=operator,
        action="login.unlock",
        contract=contract,
        target=user.username,
        before=before,
        after={"ロック": "なし", "失敗回数": 0},
        ip=ip,
    )
    return count


def _update_audited(
    instance,
    *,
    locked,
    allowed,
    values: dict,
    action: str,
    target: str,
    operator: User,
    ip: str | None,
    contract=None,
) -> list[str]:
    """Save the operator's changes to ``instance`` and audit them with before/after.

    ``locked`` is the row as it is in the database (read under a lock); returns the names
    of the fields that changed (nothing is written or audited when none did).
    """
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"not an editable field: {', '.join(sorted(unknown))}")
    changed = [name for name, value in values.items() if getattr(locked, name) != value]
    for name in allowed:
        setattr(instance, name, values.get(name, getattr(locked, name)))
    if not changed:
        return []
    instance.save(update_fields=[*changed, "updated_at"])
    model = type(instance)
    record_audit(
        actor=operator,
        action=action,
        contract=contract,
        target=target,
        before={_field_label(model, name): getattr(locked, name) for name in changed},
        after={_field_label(model, name): values[name] for name in changed},
        ip=ip,
    )
    return changed


@transaction.atomic
def update_contract_flags(
    *, contract: Contract, operator: User, ip: str | None, **flags: bool
) -> list[str]:
    """Set a contract's per-contract flags (B4) and audit the change; returns changed names."""
    # no_key: serialises with the desk's writes without blocking workers' foreign-key checks.
    current = Contract.objects.select_for_update(no_key=True).get(pk=contract.pk)
    return _update_audited(
        contract,
        locked=current,
        allowed=CONTRACT_FLAGS,
        values=flags,
        action="contract.flags.update",
        target=contract.customer_number,
        contract=contract,
        operator=operator,
        ip=ip,
    )


@transaction.atomic
def update_phone_page(
    *, page: PhonePage, operator: User, ip: str | None, **values: str
) -> list[str]:
    """Change the text of a phone page (D7.1) and audit it; returns changed field names."""
    current = PhonePage.objects.select_for_update().get(pk=page.pk)
    return _update_audited(
        page,
        locked=current,
        allowed=PHONE_PAGE_FIELDS,
        values=values,
        action="phone_page.update",
        target=page.get_topic_display(),
        operator=operator,
        ip=ip,
    )


def record_account_change(
    *, account: User, operator: User, ip: str | None, created: bool, fields: list[str]
) -> None:
    """Audit an operator's change to a login account (X7): field names only, never a hash."""
    shown = [
        _field_label(User, name) if name in {f.name for f in User._meta.fields} else name
        for name in fields
        if "password" not in name
    ]
    if not created and not shown and not any("password" in name for name in fields):
        return
    record_audit(
        actor=operator,
        action="account.create" if created else "account.update",
        contract=account.contract,
        target=account.username,
        after={"種別": account.get_kind_display(), "変更項目": shown}
        | ({"パスワード": "設定"} if any("password" in name for name in fields) else {}),
        ip=ip,
    )
