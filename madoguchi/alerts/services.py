"""工事・故障情報メール settings and destinations (S3).

Every write of a support ID's mail settings goes through one function here. Adding and
deleting a destination lock the account's ``AlertSettings`` row first, so two browsers that
add the 3rd and the 4th address at the same moment are served one after the other (and the
``destination_one_per_slot`` constraint refuses a 4th even without the lock).

A pending (仮登録) destination not confirmed within ``DESTINATION_CONFIRM_MINUTES`` is
expired: the list leaves it out (a GET writes nothing) and the next add deletes it, so its
slot and its address are free again. Its confirmation link expires at the same moment.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from madoguchi.alerts.display import KIND_LABELS, hours_text, kinds_text, weekdays_text
from madoguchi.alerts.models import (
    MAX_DESTINATIONS,
    AlertProduct,
    AlertSettings,
    Destination,
)
from madoguchi.audit.services import record_audit
from madoguchi.lib.dates import format_datetime
from madoguchi.notices.models import Product
from madoguchi.outbox.services import enqueue_mail
from madoguchi.supportid import tokens
from madoguchi.supportid.models import MailToken, SupportAccount
from madoguchi.throttling import rates

SETTINGS_ACTION = "alerts.settings"
ADD_ACTION = "alerts.destination_add"
CONFIRM_ACTION = "alerts.destination_confirm"
DELETE_ACTION = "alerts.destination_delete"
SUSPEND_ACTION = "alerts.destination_suspend"
RESUME_ACTION = "alerts.destination_resume"
STOP_KIND_ACTION = "alerts.destination_stop_kind"
RESTART_KIND_ACTION = "alerts.destination_restart_kind"
AUDIT_ACTIONS = {
    SETTINGS_ACTION: "工事・故障情報メールの設定変更",
    ADD_ACTION: "配信先の追加（仮登録）",
    CONFIRM_ACTION: "配信先の本登録",
    DELETE_ACTION: "配信先の削除",
    SUSPEND_ACTION: "配信先の配信停止",
    RESUME_ACTION: "配信先の配信再開",
    STOP_KIND_ACTION: "配信先の種別ごとの配信停止",
    RESTART_KIND_ACTION: "配信先の種別ごとの配信再開",
}

# The hourly form limit's action name (madoguchi.throttling.rates).
ADD_LIMIT_ACTION = "alerts.destination_add"
CONFIRM_MAIL = "alerts_destination_confirm"

ALREADY_PENDING = (
    "このメールアドレスはすでに登録されています（仮登録中）。"
    "仮登録確認メールが届かない場合は、{minutes}分経過後にもう一度お試しください。"
)
ALREADY_REGISTERED = "このメールアドレスはすでに登録されています。"
FULL = (
    f"配信先は{MAX_DESTINATIONS}件まで登録できます。"
    "追加するには、登録済みの配信先を削除してください。"
)
CLIENT_LIMITED = (
    "短時間に多くの配信先の追加が行われたため、現在受け付けられません。"
    "{until} 以降にあらためてお試しください。"
)
ADDRESS_LIMITED = (
    "このメールアドレスへの仮登録確認メールの送信が短時間に続いたため、現在受け付けられません。"
    "{until} 以降にあらためてお試しください。"
)
# --- Refusals -------------------------------------------------------------------------------


class DestinationRefused(Exception):
    """The destination cannot be added; ``field`` is the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class TooManyAdds(DestinationRefused):
    """An hourly limit per client or per address is reached (answered with 429)."""


# --- Settings -------------------------------------------------------------------------------


def to_mask(values) -> int:
    """Bit n for each n in values (weekday 0 = Monday … 6 = Sunday, hour 0 … 23)."""
    mask = 0
    for value in values:
        mask |= 1 << int(value)
    return mask


def from_mask(mask: int, size: int) -> list[int]:
    return [n for n in range(size) if mask & (1 << n)]


def products_in_order() -> QuerySet:
    """Products as the 工事・故障情報 pages order them."""
    return Product.objects.order_by("order", "pk")


def settings_for(account: SupportAccount) -> AlertSettings:
    """The account's settings; the row is created (with the defaults) the first time."""
    alert_settings, _ = AlertSettings.objects.get_or_create(account=account)
    return alert_settings


def _described(alert_settings: AlertSettings, products: list[Product]) -> dict:
    """The settings as the audit log shows them (Japanese labels and values)."""
    return {
        "商品": "、".join(p.name for p in products) or "なし",
        "配信する情報": kinds_text(
            maintenance=alert_settings.maintenance, outage=alert_settings.outage
        ),
        "配信曜日": weekdays_text(alert_settings.weekdays),
        "配信時間帯": hours_text(alert_settings.hours),
    }


@transaction.atomic
def save_settings(
    account: SupportAccount,
    *,
    products: list[Product],
    maintenance: bool,
    outage: bool,
    weekdays: int,
    hours: int,
    ip: str | None = None,
) -> bool:
    """Store the products, the kinds, the weekdays and hours (S3); True if anything changed.

    The product rows are replaced in the same transaction, under the settings row's lock.
    """
    settings_for(account)
    alert_settings = AlertSettings.objects.select_for_update().get(account=account)
    old_products = list(products_in_order().filter(alert_links__settings=alert_settings))
    new_products = sorted(products, key=lambda p: (p.order, p.pk))
    before = _described(alert_settings, old_products)
    alert_settings.maintenance = maintenance
    alert_settings.outage = outage
    alert_settings.weekdays = weekdays
    alert_settings.hours = hours
    after = _described(alert_settings, new_products)
    if before == after:
        return False
    alert_settings.save(update_fields=["maintenance", "outage", "weekdays", "hours", "updated_at"])
    if [p.pk for p in old_products] != [p.pk for p in new_products]:
        AlertProduct.objects.filter(settings=alert_settings).delete()
        AlertProduct.objects.bulk_create(
            AlertProduct(settings=alert_settings, product=product) for product in new_products
        )
    changed = [key for key in before if before[key] != after[key]]
    record_audit(
        actor=account.user,
        action=SETTINGS_ACTION,
        target=account.email,
        before={key: before[key] for key in changed},
        after={key: after[key] for key in changed},
        ip=ip,
    )
    return True


# --- Destinations ---------------------------------------------------------------------------


def confirm_window() -> timedelta:
    return timedelta(minutes=settings.DESTINATION_CONFIRM_MINUTES)


def expired_pending(account: SupportAccount, now: datetime | None = None) -> QuerySet:
    """The account's pending destinations whose confirmation time has run out."""
    now = now or timezone.now()
    return Destination.objects.filter(
        account=account,
        status=Destination.Status.PENDING,
        created_at__lte=now - confirm_window(),
    )


def live_destinations(account: SupportAccount, now: datetime | None = None) -> QuerySet:
    """The account's destinations as its pages show them: expired pending ones left out."""
    now = now or timezone.now()
    return (
        Destination.objects.filter(account=account)
        .exclude(status=Destination.Status.PENDING, created_at__lte=now - confirm_window())
        .order_by("slot")
    )


def confirm_deadline(destination: Destination) -> datetime:
    """Until when a pending destination's confirmation link works."""
    return destination.created_at + confirm_window()


def normalize_address(address: str) -> str:
    return address.strip().lower()


def add_limit(account: SupportAccount, address: str, ip: str | None) -> TooManyAdds | None:
    """Count this add against the hourly limits; the refusal if one is exceeded."""
    limited = rates.take_mail_form(ADD_LIMIT_ACTION, ip=ip, address=address)
    if limited is None:
        return None
    if limited.key == "address":
        return TooManyAdds(ADDRESS_LIMITED.format(until=limited.until_text), field="address")
    return TooManyAdds(CLIENT_LIMITED.format(until=limited.until_text))


def _lock_settings(account: SupportAccount) -> AlertSettings:
    settings_for(account)
    return AlertSettings.objects.select_for_update().get(account=account)


def add_destination(
    account: SupportAccount, address: str, ip: str | None = None, *, link_base: str = ""
) -> Destination:
    """仮登録: a new pending destination and its 仮登録確認メール (S3).

    Raises TooManyAdds over the hourly limits (counted first, even when refused below),
    DestinationRefused for an address already registered (nothing mailed, nothing stored)
    or when three destinations exist. ``link_base`` is the site's absolute root.
    """
    address = normalize_address(address)
    limited = add_limit(account, address, ip)
    if limited is not None:
        raise limited
    try:
        return _add_destination(account, address, ip, link_base)
    except IntegrityError:
        # Only without the row lock (SQLite ignores it, IMMEDIATE transactions serialize):
        # the other request took the address or the last slot first.
        if live_destinations(account).filter(address=address).exists():
            raise DestinationRefused(ALREADY_REGISTERED, field="address") from None
        raise DestinationRefused(FULL) from None


@transaction.atomic
def _add_destination(
    account: SupportAccount, address: str, ip: str | None, link_base: str
) -> Destination:
    _lock_settings(account)
    now = timezone.now()
    # Expired ones free their slot and address; their links expired at the same moment.
    expired_pending(account, now).delete()
    existing = {d.address.lower(): d for d in Destination.objects.filter(account=account)}
    if address in existing:
        pending = existing[address].status == Destination.Status.PENDING
        message = (
            ALREADY_PENDING.format(minutes=settings.DESTINATION_CONFIRM_MINUTES)
            if pending
            else ALREADY_REGISTERED
        )
        raise DestinationRefused(message, "address")
    used = {d.slot for d in existing.values()}
    free = [slot for slot in range(1, MAX_DESTINATIONS + 1) if slot not in used]
    if not free:
        raise DestinationRefused(FULL)
    destination = Destination.objects.create(
        account=account, slot=free[0], address=address, created_at=now
    )
    token = tokens.issue(
        account,
        MailToken.Purpose.DESTINATION,
        lifetime=confirm_window(),
        target=destination.pk,
        now=now,
    )
    path = reverse("alerts:destination_confirm", args=[token])
    enqueue_mail(
        to=address,
        template=CONFIRM_MAIL,
        secret=("link",),
        context={
            "address": address,
            "link": link_base.rstrip("/") + path,
            "minutes": settings.DESTINATION_CONFIRM_MINUTES,
            "deadline": format_datetime(confirm_deadline(destination)),
        },
    )
    record_audit(
        actor=account.user,
        action=ADD_ACTION,
        target=address,
        after={"配信先": address, "状態": str(Destination.Status.PENDING.label)},
        ip=ip,
    )
    return destination


def destination_for(account: SupportAccount, pk: int) -> Destination | None:
    """One of the account's (live) destinations; None for another ID's or an expired one."""
    return live_destinations(account).filter(pk=pk).first()


def _revoke_links(destination: Destination) -> None:
    for purpose in (MailToken.Purpose.DESTINATION, MailToken.Purpose.RESUME):
        tokens.revoke(destination.account, purpose, target=destination.pk)


@transaction.atomic
def delete_destination(destination: Destination, *, ip: str | None = None) -> bool:
    """削除: the destination goes, with its mailed links (S3). False if it was gone already."""
    _lock_settings(destination.account)
    locked = Destination.objects.filter(pk=destination.pk).first()
    if locked is None:
        return False
    _revoke_links(locked)
    locked.delete()
    record_audit(
        actor=destination.account.user,
        action=DELETE_ACTION,
        target=destination.address,
        before={"配信先": destination.address, "状態": destination.get_status_display()},
        ip=ip,
    )
    return True


# --- Who gets a publication's mail (S4) ----------------------------------------------------


def select_recipients(*, product_ids, kind: str, at: datetime) -> QuerySet:
    """The destinations a publication at ``at`` about these products mails: one query.

    Active destinations of accounts whose settings name one of the products, want this
    kind (``maintenance``/``outage``, as ``Notice.Kind``) and hold the publication's
    weekday and hour (JST) in their bitmasks. docs/support.md shows the SQL.
    """
    if kind not in ("maintenance", "outage"):
        raise ValueError(f"unknown notice kind: {kind!r}")
    local = timezone.localtime(at)
    wanted = (
        AlertSettings.objects.annotate(
            weekday_bit=F("weekdays").bitand(1 << local.weekday()),
            hour_bit=F("hours").bitand(1 << local.hour),
        )
        .filter(
            account=OuterRef("account"),
            weekday_bit__gt=0,
            hour_bit__gt=0,
            links__product__in=list(product_ids),
            **{kind: True},
        )
        .values("pk")
    )
    # By id: no join for the account's ordering, and a batch key for 1,000,000 rows (S4).
    return (
        Destination.objects.filter(
            status=Destination.Status.ACTIVE, **{f"{kind}_stopped_at__isnull": True}
        )
        .filter(Exists(wanted))
        .order_by("pk")
    )


# --- Suspension (S4) and resumption ---------------------------------------------------------


def _locked(destination: Destination) -> Destination:
    return Destination.objects.select_for_update().get(pk=destination.pk)


@transaction.atomic
def suspend_destination(
    destination: Destination, *, reason: str, actor=None, ip: str | None = None
) -> bool:
    """配信停止: stop mails to an active destination, with the reason and date (S3, S4).

    Returns False if it was not active (already suspended, pending or gone): nothing changes.
    """
    destination = _locked(destination)
    if destination.status != Destination.Status.ACTIVE:
        return False
    destination.status = Destination.Status.SUSPENDED
    destination.suspended_at = timezone.now()
    destination.suspension_reason = reason
    destination.save(update_fields=["status", "suspended_at", "suspension_reason"])
    record_audit(
        actor=actor,
        action=SUSPEND_ACTION,
        target=destination.address,
        after={"理由": destination.get_suspension_reason_display()},
        ip=ip,
    )
    return True


@transaction.atomic
def resume_destination(destination: Destination, *, actor=None, ip: str | None = None) -> bool:
    """配信再開: a suspended destination is active again (its owner, an operator, a link).

    Returns False if it was not suspended: nothing changes.
    """
    destination = _locked(destination)
    if destination.status != Destination.Status.SUSPENDED:
        return False
    before = {"理由": destination.get_suspension_reason_display()}
    destination.status = Destination.Status.ACTIVE
    destination.suspended_at = None
    destination.suspension_reason = ""
    destination.save(update_fields=["status", "suspended_at", "suspension_reason"])
    record_audit(
        actor=actor, action=RESUME_ACTION, target=destination.address, before=before, ip=ip
    )
    return True


@transaction.atomic
def stop_kind(destination_id: int, kind: str) -> Destination | None:
    """One-click unsubscribe (RFC 8058): this address gets no more mails of this kind.

    Idempotent: a destination already stopped for the kind keeps its first date. None when
    the destination no longer exists.
    """
    if kind not in ("maintenance", "outage"):
        raise ValueError(f"unknown notice kind: {kind!r}")
    destination = Destination.objects.select_for_update().filter(pk=destination_id).first()
    if destination is None:
        return None
    field = f"{kind}_stopped_at"
    if getattr(destination, field) is None:
        setattr(destination, field, timezone.now())
        destination.save(update_fields=[field])
        record_audit(
            actor=None,
            action=STOP_KIND_ACTION,
            target=destination.address,
            after={"配信停止": f"{KIND_LABELS[kind]}（メール記載のリンクから）"},
            ip=None,
        )
    return destination


@transaction.atomic
def restart_kind(destination: Destination, kind: str, *, actor=None, ip: str | None = None) -> bool:
    """Mails of this kind go to the destination again after a one-click unsubscribe (S4).

    The owner's 「工事情報の配信を再開」. Returns False if the destination was not stopped for
    the kind (or is gone): nothing changes.
    """
    if kind not in KIND_LABELS:
        raise ValueError(f"unknown notice kind: {kind!r}")
    locked = Destination.objects.select_for_update().filter(pk=destination.pk).first()
    field = f"{kind}_stopped_at"
    stopped_at = getattr(locked, field) if locked is not None else None
    if stopped_at is None:
        return False
    setattr(locked, field, None)
    locked.save(update_fields=[field])
    label = KIND_LABELS[kind]
    record_audit(
        actor=actor,
        action=RESTART_KIND_ACTION,
        target=locked.address,
        before={label: f"配信停止中（{format_datetime(stopped_at)} メール記載のリンクから）"},
        after={label: "配信中"},
        ip=ip,
    )
    return True
