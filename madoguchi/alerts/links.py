"""The pages that mailed links open (S3): a destination's 仮登録確認メール and the 「配信再開」
link of a suspension notice (S4 mails it).

A link's token is a ``supportid.tokens`` token: the GET of its page only looks
(``peek_link``); the POST of the page's button spends it (``confirm_destination``,
``resume_by_link``). Any link that cannot be used gets its own clear message and changes
nothing.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from madoguchi.alerts.models import Destination
from madoguchi.alerts.services import (
    CONFIRM_ACTION,
    confirm_deadline,
    resume_destination,
)
from madoguchi.audit.services import record_audit
from madoguchi.supportid import tokens
from madoguchi.supportid.models import MailToken, SupportAccount

# How long the 「配信再開」 link of a suspension notice works (S4 mails it).
RESUME_LINK_LIFETIME = timedelta(days=14)

LINK_UNKNOWN = (
    "このURLは無効です。メールに記載されたURLを、途中で改行されていないかご確認のうえ、"
    "そのまま開いてください。"
)
LINK_USED = "このURLはすでに使用されています。"
CONFIRM_EXPIRED = (
    "このURLの有効期限（仮登録から{minutes}分）が過ぎています。"
    "お手数ですが、マイメニューから配信先をもう一度追加してください。"
)
RESUME_EXPIRED = (
    "このURLの有効期限が過ぎています。"
    "お客さまサポートにログインし、マイメニューの配信先の一覧から「配信再開」を行ってください。"
)
DELETED = "この配信先は削除されています。"
NOT_PENDING = "この配信先はすでに本登録されています。"


def _confirm_expired() -> str:
    return CONFIRM_EXPIRED.format(minutes=settings.DESTINATION_CONFIRM_MINUTES)


class LinkRefused(Exception):
    """A mailed link that cannot be used: unknown/altered, used, expired, or its destination
    is gone. Nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class LinkTarget:
    """What a mailed link acts on, shown by its page before the button is pressed."""

    account: SupportAccount
    destination: Destination


def _destination_gone(invalid: tokens.TokenInvalid) -> bool:
    """Whether a refused-as-used token is a genuine one whose destination was deleted.

    Deleting a destination revokes its links (they read as used); the page then says that
    the destination was deleted rather than that the link was used.
    """
    row = invalid.row
    if row is None or row.target is None:
        return False
    return not Destination.objects.filter(pk=row.target, account_id=row.account_id).exists()


def _refusal(invalid: tokens.TokenInvalid, purpose: str) -> LinkRefused:
    if invalid.reason == "used" and _destination_gone(invalid):
        return LinkRefused(DELETED)
    if invalid.reason == "used":
        return LinkRefused(LINK_USED)
    if invalid.reason == "expired":
        expired = _confirm_expired() if purpose == MailToken.Purpose.DESTINATION else RESUME_EXPIRED
        return LinkRefused(expired)
    return LinkRefused(LINK_UNKNOWN)


def _target(row: MailToken, *, lock: bool) -> Destination:
    rows = Destination.objects.select_related("account__user")
    if lock:
        rows = rows.select_for_update(of=("self",))
    destination = rows.filter(pk=row.target, account_id=row.account_id).first()
    if destination is None:
        raise LinkRefused(DELETED)
    return destination


def peek_link(token: str, purpose: str) -> LinkTarget:
    """The destination a mailed link acts on, for the page it opens (changes nothing)."""
    try:
        row = tokens.peek(token, purpose)
    except tokens.TokenInvalid as invalid:
        raise _refusal(invalid, purpose) from None
    destination = _target(row, lock=False)
    if purpose == MailToken.Purpose.DESTINATION and (
        destination.status != Destination.Status.PENDING
    ):
        raise LinkRefused(NOT_PENDING)
    return LinkTarget(account=row.account, destination=destination)


def _use(token: str, purpose: str) -> Destination:
    try:
        row = tokens.use(token, purpose)
    except tokens.TokenInvalid as invalid:
        raise _refusal(invalid, purpose) from None
    return _target(row, lock=True)


@transaction.atomic
def confirm_destination(token: str, *, ip: str | None = None) -> Destination:
    """本登録: the 「配信先として登録する」 button of the 仮登録確認メール's page (S3).

    Raises LinkRefused (nothing changes) for a bad token or a deleted destination.
    """
    destination = _use(token, MailToken.Purpose.DESTINATION)
    now = timezone.now()
    if destination.status != Destination.Status.PENDING:
        raise LinkRefused(NOT_PENDING)
    if confirm_deadline(destination) <= now:
        raise LinkRefused(_confirm_expired())
    destination.status = Destination.Status.ACTIVE
    destination.confirmed_at = now
    destination.save(update_fields=["status", "confirmed_at"])
    record_audit(
        actor=destination.account.user,
        action=CONFIRM_ACTION,
        target=destination.address,
        before={"状態": str(Destination.Status.PENDING.label)},
        after={"状態": str(Destination.Status.ACTIVE.label)},
        ip=ip,
    )
    return destination


@transaction.atomic
def resume_by_link(token: str, *, ip: str | None = None) -> tuple[Destination, bool]:
    """配信再開 from the link of a suspension notice; (destination, whether it resumed).

    Raises LinkRefused (nothing changes) for a bad token or a deleted destination.
    """
    destination = _use(token, MailToken.Purpose.RESUME)
    resumed = resume_destination(destination, actor=destination.account.user, ip=ip)
    destination.refresh_from_db()
    return destination, resumed


def resume_link(destination: Destination) -> str:
    """A new 「配信再開」 link for the destination: its absolute path (S4 adds the site)."""
    token = tokens.issue(
        destination.account,
        MailToken.Purpose.RESUME,
        lifetime=RESUME_LINK_LIFETIME,
        target=destination.pk,
    )
    return reverse("alerts:resume", args=[token])
