"""Operator changes to contracts and logins (B4, D7.1), each written to the audit log (X7)."""

from dataclasses import dataclass
from datetime import datetime

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from madoguchi.audit.services import record_audit
from madoguchi.contracts.models import Contract, PhonePage, User

CONTRACT_FLAGS = ("online_password_change_allowed", "paper_application_in_progress")
PHONE_PAGE_FIELDS = ("phone_number", "hours", "body")


@dataclass(frozen=True)
class LoginLock:
    """Throttling state of one login as axes counts it (D1.2)."""

    username: str
    failures: int
    locked: bool
    locked_until: datetime | None


def _field_label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def desk_user_of(contract: Contract) -> User | None:
    """The contract's desk credential (one per contract), or None."""
    return contract.users.filter(kind=User.Kind.DESK).first()


def recent_attempts(username: str):
    """Axes' failed-attempt rows for a username that still count towards a lockout."""
    attempts = AccessAttempt.objects.filter(username=username)
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts


def login_lock_state(username: str) -> LoginLock:
    """Whether axes refuses this username now, and until when (B4)."""
    figures = recent_attempts(username).aggregate(
        failures=Sum("failures_since_start"), last=Max("attempt_time")
    )
    failures = figures["failures"] or 0
    locked = failures >= settings.AXES_FAILURE_LIMIT
    cool_off = get_cool_off()
    until = figures["last"] + cool_off if locked and cool_off and figures["last"] else None
    return LoginLock(username=username, failures=failures, locked=locked, locked_until=until)


def _login_of(contract_or_user: Contract | User) -> tuple[User | None, Contract | None]:
    if isinstance(contract_or_user, Contract):
        return desk_user_of(contract_or_user), contract_or_user
    return contract_or_user, contract_or_user.contract


@transaction.atomic
def unlock_login(*, contract_or_user: Contract | User, operator: User, ip: str | None) -> int:
    """Lift axes' lockout of a login (D1.2, B4); returns how many attempt rows were reset."""
    user, contract = _login_of(contract_or_user)
    if user is None:
        return 0
    state = login_lock_state(user.username)
    count = axes_reset(username=user.username)
    record_audit(
        actor=operator,
        action="login.unlock",
        contract=contract,
        target=user.username,
        before={"ロック": "ロック中" if state.locked else "なし", "失敗回数": state.failures},
        after={"ロック": "なし", "失敗回数": 0},
        ip=ip,
    )
    return count


@transaction.atomic
def update_contract_flags(
    *, contract: Contract, operator: User, ip: str | None, **flags: bool
) -> list[str]:
    """Set a contract's per-contract flags (B4) and audit the change; returns changed names."""
    unknown = set(flags) - set(CONTRACT_FLAGS)
    if unknown:
        raise ValueError(f"not a contract flag: {', '.join(sorted(unknown))}")
    # no_key: serialises with the desk's writes without blocking workers' foreign-key checks.
    current = Contract.objects.select_for_update(no_key=True).get(pk=contract.pk)
    changed = [name for name, value in flags.items() if getattr(current, name) != value]
    for name in CONTRACT_FLAGS:
        setattr(contract, name, flags.get(name, getattr(current, name)))
    if not changed:
        return []
    contract.save(update_fields=[*changed, "updated_at"])
    record_audit(
        actor=operator,
        action="contract.flags.update",
        contract=contract,
        target=contract.customer_number,
        before={_field_label(Contract, name): getattr(current, name) for name in changed},
        after={_field_label(Contract, name): flags[name] for name in changed},
        ip=ip,
    )
    return changed


@transaction.atomic
def update_phone_page(
    *, page: PhonePage, operator: User, ip: str | None, **values: str
) -> list[str]:
    """Change the text of a phone page (D7.1) and audit it; returns changed field names."""
    unknown = set(values) - set(PHONE_PAGE_FIELDS)
    if unknown:
        raise ValueError(f"not a phone page field: {', '.join(sorted(unknown))}")
    current = PhonePage.objects.select_for_update().get(pk=page.pk)
    changed = [name for name, value in values.items() if getattr(current, name) != value]
    for name, value in values.items():
        setattr(page, name, value)
    if not changed:
        return []
    page.save(update_fields=[*changed, "updated_at"])
    record_audit(
        actor=operator,
        action="phone_page.update",
        target=page.get_topic_display(),
        before={_field_label(PhonePage, name): getattr(current, name) for name in changed},
        after={_field_label(PhonePage, name): values[name] for name in changed},
        ip=ip,
    )
    return changed


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
