"""工事・故障情報メール settings in words (S3), for the customer's pages and the back office.

The settings are stored as bitmasks (``AlertSettings.weekdays``: bit 0 = Monday … bit 6 =
Sunday; ``hours``: bit h = h:00–h:59 JST). People read them as ranges: 「月〜金 9時〜18時」.
A run of three or more weekdays reads 「月〜金」, shorter runs are listed 「土・日」; hours read
as the time a window starts and ends, 「9時〜18時」 for 9:00–17:59, and a window across
midnight as one range, 「22時〜翌6時」.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.utils import timezone

from madoguchi.alerts.models import ALL_HOURS, ALL_WEEKDAYS, AlertSettings, Destination
from madoguchi.lib.dates import WEEKDAYS_JA, format_date

NONE = "なし"
# The kinds of 工事・故障情報 (``Notice.Kind`` values) as the mails and pages name them.
KIND_LABELS = {"maintenance": "工事情報", "outage": "故障情報"}
NO_PRODUCTS = "選択されていません（メールは送信されません）"


def _runs(mask: int, size: int) -> list[tuple[int, int]]:
    """The runs of set bits of ``mask`` below ``size``, as (first, last) pairs, lowest first."""
    runs: list[tuple[int, int]] = []
    for bit in range(size):
        if not mask >> bit & 1:
            continue
        if runs and runs[-1][1] == bit - 1:
            runs[-1] = (runs[-1][0], bit)
        else:
            runs.append((bit, bit))
    return runs


def weekdays_text(mask: int) -> str:
    """「月〜金」, 「土・日」, 「月〜水・金」, 「月〜日」; 「なし」 for no day."""
    parts = []
    for first, last in _runs(mask & ALL_WEEKDAYS, 7):
        if last - first >= 2:
            parts.append(f"{WEEKDAYS_JA[first]}〜{WEEKDAYS_JA[last]}")
        else:
            parts.extend(WEEKDAYS_JA[day] for day in range(first, last + 1))
    return "・".join(parts) or NONE


def hours_text(mask: int) -> str:
    """「9時〜18時」 (9:00–17:59), 「0時〜24時」, 「22時〜翌6時」, 「9時〜12時、13時〜18時」."""
    mask &= ALL_HOURS
    runs = _runs(mask, 24)
    if not runs:
        return NONE
    if mask != ALL_HOURS and len(runs) > 1 and runs[0][0] == 0 and runs[-1][1] == 23:
        # A window across midnight is one range that ends the next day.
        (_, morning_end), *runs[1:-1], (evening_start, _) = runs
        middle = [f"{first}時〜{last + 1}時" for first, last in runs[1:-1]]
        return "、".join([*middle, f"{evening_start}時〜翌{morning_end + 1}時"])
    return "、".join(f"{first}時〜{last + 1}時" for first, last in runs)


def window_text(weekdays: int, hours: int) -> str:
    """When mails may be sent: 「月〜金 9時〜18時」; 「なし」 if no day or no hour is chosen."""
    if not weekdays & ALL_WEEKDAYS or not hours & ALL_HOURS:
        return NONE
    return f"{weekdays_text(weekdays)} {hours_text(hours)}"


def kinds_text(*, maintenance: bool, outage: bool) -> str:
    """「工事情報・故障情報」, 「工事情報」, 「故障情報」 or 「なし」."""
    kinds = [name for name, on in (("工事情報", maintenance), ("故障情報", outage)) if on]
    return "・".join(kinds) or NONE


def products_text(names: Iterable[str]) -> str:
    """The chosen products' names, 「光アクセス、メール」; none chosen says no mail is sent."""
    return "、".join(names) or NO_PRODUCTS


@dataclass(frozen=True)
class SettingsInWords:
    products: str
    kinds: str
    weekdays: str
    hours: str
    window: str


def describe(settings: AlertSettings) -> SettingsInWords:
    """Every part of a support ID's settings in words (products in their list order).

    Reads ``settings.products.all()``, so a prefetch of ``products`` is used.
    """
    return SettingsInWords(
        products=products_text(product.name for product in settings.products.all()),
        kinds=kinds_text(maintenance=settings.maintenance, outage=settings.outage),
        weekdays=weekdays_text(settings.weekdays),
        hours=hours_text(settings.hours),
        window=window_text(settings.weekdays, settings.hours),
    )


EXPIRED_PENDING = "仮登録（確認期限切れ）"


def destination_status(destination: Destination, now: datetime | None = None) -> str:
    """有効, 仮登録, 配信停止, or 仮登録（確認期限切れ） for a pending destination whose
    confirmation link has expired (``DESTINATION_CONFIRM_MINUTES``): it holds no slot any more
    and the address may be added again."""
    if destination.status == Destination.Status.PENDING:
        lifetime = timedelta(minutes=django_settings.DESTINATION_CONFIRM_MINUTES)
        if destination.created_at + lifetime <= (now or timezone.now()):
            return EXPIRED_PENDING
    return destination.get_status_display()


@dataclass(frozen=True)
class KindStop:
    """A kind of mail a destination no longer gets: its one-click unsubscribe (S4)."""

    kind: str  # "maintenance" or "outage"
    label: str  # 工事情報 / 故障情報
    since: datetime

    @property
    def text(self) -> str:
        """「工事情報：配信停止中（2026/12/03(木) メール記載のリンクから）」."""
        return f"{self.label}：配信停止中（{format_date(self.since)} メール記載のリンクから）"


def kind_stops(destination: Destination) -> list[KindStop]:
    """The kinds stopped for the destination by the link of a mail, 工事情報 first."""
    stops = []
    for kind, label in KIND_LABELS.items():
        since = getattr(destination, f"{kind}_stopped_at")
        if since is not None:
            stops.append(KindStop(kind, label, since))
    return stops


def kinds_sent(destination: Destination) -> list[str]:
    """The kinds the destination was not unsubscribed from: 「工事情報」, 「故障情報」."""
    return [
        label
        for kind, label in KIND_LABELS.items()
        if getattr(destination, f"{kind}_stopped_at") is None
    ]
