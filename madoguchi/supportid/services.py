"""お客さまサポートID (S2): registration, confirmation, password, reminder, withdrawal.

Whether an address has an ID is never told to whoever types it: registration, password
reset and ID reminder answer with the same page, in the same time (``steady``), whether the
address is registered or not; only the mail that goes to the address differs. Each of these
forms counts its uses per client and per address (``limit``): nobody mail-bombs an address
through them.

Tokens of mailed links are ``supportid.tokens``: only the POST of the page a link opens
uses one. No token or password appears in the audit log.
"""

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from madoguchi.audit.services import record_audit
from madoguchi.contracts.models import User
from madoguchi.lib.dates import format_date, format_datetime
from madoguchi.outbox.services import enqueue_mail
from madoguchi.supportid import tokens
from madoguchi.supportid.models import MailToken, SupportAccount
from madoguchi.throttling import rates

REGISTER_ACTION = "supportid.register"
CONFIRM_ACTION = "supportid.confirm"
PASSWORD_ACTION = "supportid.password"
RESET_ACTION = "supportid.reset"
WITHDRAW_ACTION = "supportid.withdraw"
LOGIN_ACTION = "support.login"
AUDIT_ACTIONS = {
    REGISTER_ACTION: "お客さまサポートIDの仮登録",
    CONFIRM_ACTION: "お客さまサポートIDの本登録",
    PASSWORD_ACTION: "お客さまサポートIDのパスワード変更",
    RESET_ACTION: "お客さまサポートIDのパスワード再設定",
    WITHDRAW_ACTION: "お客さまサポートIDの退会",
    LOGIN_ACTION: "お客さまサポートへのログイン",
}

# The hourly limits of the forms that mail an address someone typed (throttling.rates).
REGISTER_LIMIT = "supportid.register"
RESET_LIMIT = "supportid.reset"
REMINDER_LIMIT = "supportid.reminder"

# Every answer of a form that looks an address up takes at least this long: the work behind
# a registered and an unknown address differs by a few database writes, the answer's time
# does not (the enumeration test measures it).
STEADY_SECONDS = 0.25

CLIENT_LIMITED = (
    "短時間に多くのお手続きがあったため、現在受け付けを停止しています。"
    "{until} 以降にあらためてお試しください。"
)
ADDRESS_LIMITED = (
    "このメールアドレスへのお手続きが短時間に続いたため、現在受け付けを停止しています。"
    "{until} 以降にあらためてお試しください。"
)


@dataclass(frozen=True)
class Limited:
    """A form's hourly limit reached: the message says until when (429)."""

    message: str


def limit(action: str, *, ip: str | None, email: str) -> Limited | None:
    """Count one use of the form for the client and for the address; None while allowed.

    The address counts whether or not it has an ID, so the answer tells nothing about it.
    """
    limited = rates.take_mail_form(action, ip=ip, address=email)
    if limited is None:
        return None
    text = CLIENT_LIMITED if limited.key == "client" else ADDRESS_LIMITED
    return Limited(text.format(until=limited.until_text))


@contextmanager
def steady(seconds: float | None = None) -> Iterator[None]:
    """Let the block take at least ``seconds`` (default ``STEADY_SECONDS``), however it ends."""
    seconds = STEADY_SECONDS if seconds is None else seconds
    started = time.monotonic()
    try:
        yield
    finally:
        remaining = started + seconds - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)


def confirm_lifetime() -> timedelta:
    return timedelta(hours=settings.SUPPORT_ID_CONFIRM_HOURS)


def reset_lifetime() -> timedelta:
    return timedelta(minutes=settings.SUPPORT_ID_RESET_MINUTES)


def _link(link_base: str, name: str, *args) -> str:
    return link_base.rstrip("/") + reverse(name, args=args)


def _confirmed(email: str) -> SupportAccount | None:
    return (
        SupportAccount.objects.select_related("user")
        .filter(email=email.lower(), confirmed_at__isnull=False)
        .first()
    )


# --- Registration (double opt-in) ---------------------------------------------------------


def _new_pending(*, email: str, name: str, birth_date: date, password_hash: str):
    user = User(
        username=f"support:{secrets.token_urlsafe(16)}",
        kind=User.Kind.SUPPORT,
        email=email,
        is_active=False,
        password=password_hash,
    )
    user.save()
    return SupportAccount.objects.create(user=user, email=email, name=name, birth_date=birth_date)


def _pending_account(
    *, email: str, name: str, birth_date: date, password_hash: str, now: datetime
) -> SupportAccount | None:
    """The unconfirmed account of the address, made or replaced with these values; None when
    the address has a confirmed ID (its row locked meanwhile)."""
    account = (
        SupportAccount.objects.select_for_update()
        .select_related("user")
        .filter(email=email)
        .first()
    )
    if account is None:
        try:
            with transaction.atomic():
                return _new_pending(
                    email=email, name=name, birth_date=birth_date, password_hash=password_hash
                )
        except IntegrityError:  # registered by a request at the same moment
            account = (
                SupportAccount.objects.select_for_update().select_related("user").get(email=email)
            )
    if account.is_confirmed:
        return None
    # Someone registered the address before without confirming it: the newest registration
    # replaces it (whoever reads the address's mail decides), and its 24 hours start again.
    user = account.user
    user.password = password_hash
    user.save(update_fields=["password"])
    SupportAccount.objects.filter(pk=account.pk).update(
        name=name, birth_date=birth_date, created_at=now
    )
    tokens.revoke(account, MailToken.Purpose.CONFIRM)
    return account


def register(
    *,
    email: str,
    name: str,
    birth_date: date,
    password_hash: str,
    ip: str | None,
    link_base: str,
) -> None:
    """A registration (the confirm step's POST): one mail to the address, whatever it is.

    No ID for the address (or an unconfirmed one): the unconfirmed account with a new
    confirmation link (``SUPPORT_ID_CONFIRM_HOURS``). A confirmed ID: its owner is told that
    someone tried to register the address, with the way to reset the password; nothing else
    changes. The person registering sees the same page either way.
    """
    email = email.lower()
    now = timezone.now()
    with transaction.atomic():
        account = _pending_account(
            email=email,
            name=name,
            birth_date=birth_date,
            password_hash=password_hash,
            now=now,
        )
        if account is None:
            enqueue_mail(
                to=email,
                template="supportid_register_taken",
                context={
                    "email": email,
                    "forgot_link": _link(link_base, "supportid:password_forgot"),
                    "login_link": _link(link_base, "support:login"),
                },
            )
            return
        lifetime = confirm_lifetime()
        token = tokens.issue(account, MailToken.Purpose.CONFIRM, lifetime=lifetime, now=now)
        enqueue_mail(
            to=email,
            template="supportid_confirm",
            secret=("link",),
            context={
                "name": name,
                "email": email,
                "link": _link(link_base, "supportid:confirm", token),
                "expires": format_datetime(now + lifetime),
                "hours": settings.SUPPORT_ID_CONFIRM_HOURS,
            },
        )
        record_audit(
            actor=None,
            action=REGISTER_ACTION,
            target=email,
            after={"メールアドレス": email, "お名前": name, "生年月日": format_date(birth_date)},
            ip=ip,
        )


def confirm_registration(token: str, *, ip: str | None) -> SupportAccount:
    """The confirmation link's button: the ID works from now on; raises TokenInvalid.

    Its 工事・故障情報メール settings are made with their defaults the first time they are
    opened (``alerts.services.settings_for``): this app knows nothing of them.
    """
    with transaction.atomic():
        row = tokens.use(token, MailToken.Purpose.CONFIRM)
        account = (
            SupportAccount.objects.select_for_update().select_related("user").get(pk=row.account_id)
        )
        now = timezone.now()
        if account.confirmed_at is None:
            account.confirmed_at = now
            account.save(update_fields=["confirmed_at"])
        user = account.user
        user.is_active = True
        user.save(update_fields=["is_active"])
        record_audit(
            actor=user,
            action=CONFIRM_ACTION,
            target=account.email,
            after={"本登録日時": format_datetime(account.confirmed_at)},
            ip=ip,
        )
    return account


def purge_unconfirmed(now: datetime | None = None) -> int:
    """Delete registrations never confirmed within ``SUPPORT_ID_CONFIRM_HOURS`` (their login,
    tokens included): the address is free again. Returns how many."""
    now = now or timezone.now()
    stale = SupportAccount.objects.filter(
        confirmed_at__isnull=True, created_at__lt=now - confirm_lifetime()
    )
    users = User.objects.filter(
        kind=User.Kind.SUPPORT, support_account__in=stale.values("pk"), is_active=False
    )
    count = users.count()
    users.delete()
    return count


# --- Password ------------------------------------------------------------------------------


def _set_password(user: User, password: str) -> None:
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at"])


def _mail_password_changed(account: SupportAccount, *, how: str) -> None:
    enqueue_mail(
        to=account.email,
        template="supportid_password_changed",
        context={
            "name": account.name,
            "email": account.email,
            "how": how,
            "changed_at": format_datetime(timezone.now()),
        },
    )


def change_password(account: SupportAccount, password: str, *, ip: str | None) -> None:
    """パスワードの変更 (the current one was checked): every other session of the ID ends
    (its session hash no longer matches); the caller keeps its own session."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=account.user_id)
        _set_password(user, password)
        tokens.revoke(account, MailToken.Purpose.RESET)
        record_audit(actor=user, action=PASSWORD_ACTION, target=account.email, ip=ip)
        _mail_password_changed(account, how="change")
    account.user = user


def request_reset(email: str, *, link_base: str) -> None:
    """パスワードを忘れました: a single-use link (``SUPPORT_ID_RESET_MINUTES``) to a confirmed
    ID's address, older links revoked; nothing for any other address."""
    account = _confirmed(email)
    if account is None:
        return
    now = timezone.now()
    lifetime = reset_lifetime()
    with transaction.atomic():
        tokens.revoke(account, MailToken.Purpose.RESET)
        token = tokens.issue(account, MailToken.Purpose.RESET, lifetime=lifetime, now=now)
        enqueue_mail(
            to=account.email,
            template="supportid_password_reset",
            secret=("link",),
            context={
                "name": account.name,
                "link": _link(link_base, "supportid:password_reset", token),
                "expires": format_datetime(now + lifetime),
                "minutes": settings.SUPPORT_ID_RESET_MINUTES,
            },
        )


def reset_account(token: str) -> SupportAccount:
    """The account a reset link is for, if it can be used now (TokenInvalid otherwise)."""
    row = tokens.peek(token, MailToken.Purpose.RESET)
    if not row.account.is_confirmed:
        raise tokens.TokenInvalid("unknown")
    return row.account


def reset_password(token: str, password: str, *, ip: str | None) -> SupportAccount:
    """The reset link's form: spends the token and sets the password; every session of the ID
    ends. Raises TokenInvalid."""
    with transaction.atomic():
        row = tokens.use(token, MailToken.Purpose.RESET)
        account = row.account
        if not account.is_confirmed:
            raise tokens.TokenInvalid("unknown")
        user = User.objects.select_for_update().get(pk=account.user_id)
        _set_password(user, password)
        tokens.revoke(account, MailToken.Purpose.RESET)
        record_audit(actor=user, action=RESET_ACTION, target=account.email, ip=ip)
        _mail_password_changed(account, how="reset")
    return account


# --- ID reminder ---------------------------------------------------------------------------


def remind_id(email: str, *, link_base: str) -> None:
    """IDを忘れました: a confirmed ID's address is told that it is the ID; nothing else."""
    account = _confirmed(email)
    if account is None:
        return
    enqueue_mail(
        to=account.email,
        template="supportid_id_reminder",
        context={
            "name": account.name,
            "email": account.email,
            "login_link": _link(link_base, "support:login"),
            "forgot_link": _link(link_base, "supportid:password_forgot"),
        },
    )


# --- 退会 -----------------------------------------------------------------------------------


def withdraw(user: User, *, ip: str | None) -> str | None:
    """Delete the support ID with its settings, destinations and tokens (cascade), mail the
    address and audit; returns the address, or None when it was withdrawn already (the other
    click of a double click)."""
    with transaction.atomic():
        account = (
            SupportAccount.objects.select_for_update()
            .select_related("user")
            .filter(user=user)
            .first()
        )
        if account is None:
            return None
        email = account.email
        destinations = account.destinations.count()
        record_audit(
            actor=None,
            action=WITHDRAW_ACTION,
            target=email,
            before={"メールアドレス": email, "配信先の数": destinations},
            ip=ip,
        )
        enqueue_mail(
            to=email,
            template="supportid_withdrawn",
            context={"name": account.name, "email": email},
        )
        User.objects.filter(pk=account.user_id).delete()
    return email
