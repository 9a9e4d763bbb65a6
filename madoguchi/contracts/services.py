"""Operator changes to contracts and logins (B4, D7.1), each written to the audit log (X7)."""

from django.db import transaction

from madoguchi.audit.services import record_audit
from madoguchi.contracts.models import Contract, PhonePage, User
from madoguchi.lib.dates import format_datetime
from madoguchi.throttling import services as throttling

CONTRACT_FLAGS = ("online_password_change_allowed", "paper_application_in_progress")
PHONE_PAGE_FIELDS = ("phone_number", "hours", "body")

# The two logins of this project, each throttled on its own (D1.2): failures on the desk
# never lock the back office, nor the other way round.
DESK_LOGINS = throttling.Scope(
    name="desk",
    title="カスタマサポートデスク",
    id_label="認証ID",
    cookie_name="madoguchi_desk_device",
)
BACKOFFICE_LOGINS = throttling.Scope(
    name="backoffice",
    title="バックオフィス",
    id_label="ユーザー名",
    cookie_name="madoguchi_backoffice_device",
)
LOGIN_SCOPES = {User.Kind.DESK: DESK_LOGINS, User.Kind.OPERATOR: BACKOFFICE_LOGINS}


def _field_label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def desk_user_of(contract: Contract) -> User | None:
    """The contract's desk credential (one per contract), or None."""
    return contract.users.filter(kind=User.Kind.DESK).first()


def _login_of(contract_or_user: Contract | User) -> tuple[User | None, Contract | None]:
    if isinstance(contract_or_user, Contract):
        return desk_user_of(contract_or_user), contract_or_user
    return contract_or_user, contract_or_user.contract


@transaction.atomic
def unlock_login(*, contract_or_user: Contract | User, operator: User, ip: str | None) -> int:
    """「ログインロック解除」 (D1.2, B4): lift the login's locks, audited; returns rows removed.

    The ID's lock for unknown browsers and the locks of browsers that logged in to it before
    go, and its failures are forgotten (or the next one would lock it again at once).
    """
    user, contract = _login_of(contract_or_user)
    scope = LOGIN_SCOPES.get(user.kind) if user is not None else None
    if scope is None:
        return 0
    state = throttling.lock_state(scope, user.username)
    removed = throttling.unlock(scope, user.username)
    before = {"ロック": "ロック中" if state.locked else "なし", "失敗回数": state.failures}
    if state.locked_until:
        before["ロック期限"] = format_datetime(state.locked_until)
    if state.devices_locked_until:
        before["ロック中のブラウザ"] = len(state.devices_locked_until)
    record_audit(
        actor=operator,
        action="login.unlock",
        contract=contract,
        target=user.username,
        before=before,
        after={"ロック": "なし", "失敗回数": 0},
        ip=ip,
    )
    return removed


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
