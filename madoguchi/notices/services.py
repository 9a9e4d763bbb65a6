"""Authoring 工事・故障情報 (B2): the rules the back office's pages go through.

Every operation runs in one transaction with the notice's row locked (``select_for_update``),
so two submissions at the same moment (a double click, two tabs) are serialised: the second
sees what the first did. Each is audited (X7).

- ``create_notice`` / ``save_notice``: a notice is written as a draft; saving a *published*
  notice whose window (``starts_at``, ``ends_at``) or status changed raises ``sequence``
  (the calendar feed's SEQUENCE, RFC 5545). A changed published notice records a
  publication (``EDITED``) only when the operator asks for it.
- ``publish_notice``: sets ``published_at`` and records the ``PUBLISHED`` publication, with
  the subject and text as published. Publishing twice is refused (``NoticeRefused``).
- ``add_update``: appends a status update to the history and sets the notice's status; a
  published notice's update records an ``UPDATED`` publication.
- ``unpublish_notice``: takes a notice off the public pages (nothing is deleted: the
  publications keep pointing at it).

Recording a publication sends nothing: the delivery of 工事・故障情報メール reads them later.
The 「メール配信する」 mark is kept on the update and on the publication.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from madoguchi.audit.services import record_audit
from madoguchi.lib.dates import format_datetime
from madoguchi.lib.markdown import plain_text
from madoguchi.notices.models import Notice, NoticeUpdate, Product, Publication, ServicePlan
from madoguchi.notices.signals import publication_recorded

# The audit log's operations (X7), registered with their labels in ``NoticesConfig.ready``.
CREATE_ACTION = "notice.create"
CHANGE_ACTION = "notice.change"
PUBLISH_ACTION = "notice.publish"
UNPUBLISH_ACTION = "notice.unpublish"
UPDATE_ACTION = "notice.status_update"
PRODUCT_ACTION = "notice.product.save"
PLAN_ACTION = "notice.service_plan.save"
AUDIT_ACTIONS = {
    CREATE_ACTION: "工事・故障情報の作成",
    CHANGE_ACTION: "工事・故障情報の変更",
    PUBLISH_ACTION: "工事・故障情報の公開",
    UNPUBLISH_ACTION: "工事・故障情報の公開停止",
    UPDATE_ACTION: "工事・故障情報の状況更新",
    PRODUCT_ACTION: "商品の登録・変更",
    PLAN_ACTION: "サービスと商品の対応の登録・変更",
}

# A change of these fields of a published notice raises its SEQUENCE (calendar feed).
SEQUENCED_FIELDS = ("starts_at", "ends_at", "status")
# The fields an edit compares and audits, with their labels.
AUDITED_FIELDS = {
    "kind": "種別",
    "status": "状況",
    "title": "件名",
    "body": "本文",
    "area": "対象地域",
    "starts_at": "開始日時",
    "ends_at": "終了日時",
    "members_only": "ログインしたお客さまのみに公開",
}
# Statuses that end a notice: an update to one of them sets the end time when none is set.
ENDING_STATUSES = (Notice.Status.RECOVERED, Notice.Status.COMPLETED)


class NoticeRefused(Exception):
    """An operation the notice's state does not allow; ``message`` is shown to the operator."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def status_fits_kind(kind: str, status: str) -> bool:
    return status in Notice.STATUSES_BY_KIND.get(kind, ())


def status_mismatch_message(kind: str) -> str:
    """「工事の状況は 予定・作業中・完了・中止 から選んでください。」"""
    labels = "・".join(str(Notice.Status(s).label) for s in Notice.STATUSES_BY_KIND[kind])
    return f"{Notice.Kind(kind).label}の状況は {labels} から選んでください。"


def check_status(kind: str, status: str) -> None:
    if not status_fits_kind(kind, status):
        raise NoticeRefused(status_mismatch_message(kind), field="status")


# --- what a publication keeps --------------------------------------------------------------


def publication_subject(notice: Notice) -> str:
    """「【工事】件名」 or 「【故障】件名」."""
    return f"【{notice.get_kind_display()}】{notice.title}"


def _display(value) -> str:
    if value is None:
        return "未定"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    return str(value)


def publication_text(notice: Notice, products, update: NoticeUpdate | None = None) -> str:
    """The notice as plain text, times in JST: what the mail of this publication says."""
    start_label, end_label = (
        ("開始日時", "終了日時")
        if notice.kind == Notice.Kind.MAINTENANCE
        else ("発生日時", "復旧日時")
    )
    lines = [publication_subject(notice), ""]
    if update is not None:
        lines += [
            f"■ 状況の更新（{format_datetime(update.at)}）",
            f"{update.get_status_display()}：{update.text}",
            "",
        ]
    lines += [
        f"状況：{notice.get_status_display()}",
        f"対象商品：{'、'.join(p.name for p in products) or '-'}",
        f"対象地域：{notice.area or '-'}",
        f"{start_label}：{_display(notice.starts_at)}",
        f"{end_label}：{_display(notice.ends_at)}",
    ]
    body = plain_text(notice.body)
    if body:
        lines += ["", body]
    return "\n".join(lines)


def _record_publication(notice, event, *, actor, send_mail, update=None) -> Publication:
    products = list(notice.products.order_by("order", "pk"))
    subject = publication_subject(notice)
    text = publication_text(notice, products, update)
    if event == Publication.Event.REMINDER:
        subject = f"【工事・開始前のお知らせ】{notice.title}"
        start = format_datetime(notice.starts_at)
        text = f"■ 開始前のお知らせ：次の工事を {start} に開始する予定です。\n\n{text}"
    publication = Publication.objects.create(
        notice=notice,
        update=update,
        event=event,
        kind=notice.kind,
        status=notice.status,
        send_mail=send_mail,
        subject=subject[:250],
        text=text,
        sequence=notice.sequence,
        created_by=actor,
    )
    publication.products.set(products)
    publication_recorded.send(sender=Publication, publication=publication)
    return publication


def _locked(notice: Notice) -> Notice:
    """The notice's row, locked until the transaction ends (read from the database)."""
    return Notice.objects.select_for_update().get(pk=notice.pk)


def _check_window(notice: Notice) -> None:
    if notice.ends_at is not None and notice.ends_at < notice.starts_at:
        raise NoticeRefused("終了日時は開始日時より後にしてください。", field="ends_at")


# --- writing a notice ----------------------------------------------------------------------


@transaction.atomic
def create_notice(*, notice: Notice, products, actor, ip: str | None) -> Notice:
    """Store a new notice as a draft (not shown publicly until ``publish_notice``)."""
    check_status(notice.kind, notice.status)
    _check_window(notice)
    notice.published_at = None
    notice.sequence = 0
    notice.save()
    notice.products.set(products)
    record_audit(
        actor=actor,
        action=CREATE_ACTION,
        target=notice.title,
        after={
            **{
                label: _display(_value(notice, name))
                for name, label in AUDITED_FIELDS.items()
                if name != "body"
            },
            "対象商品": [p.name for p in products],
        },
        ip=ip,
    )
    return notice


@dataclass(frozen=True)
class SaveOutcome:
    notice: Notice
    changed: tuple[str, ...]  # labels of the fields that changed
    sequence_raised: bool
    publication: Publication | None


def _value(notice: Notice, name: str):
    if name in ("kind", "status"):
        return getattr(notice, f"get_{name}_display")()
    return getattr(notice, name)


@transaction.atomic
def save_notice(
    *,
    notice: Notice,
    products,
    actor,
    ip: str | None,
    publish_change: bool = False,
    send_mail: bool = False,
) -> SaveOutcome:
    """Store an edit of an existing notice (``notice`` holds the new values).

    A published notice whose window or status changed gets its ``sequence`` raised; with
    ``publish_change`` a published notice also records an ``EDITED`` publication.
    """
    check_status(notice.kind, notice.status)
    _check_window(notice)
    stored = _locked(notice)
    before_products = list(stored.products.order_by("order", "pk"))
    products = list(products)
    changed = [name for name in AUDITED_FIELDS if getattr(stored, name) != getattr(notice, name)]
    products_changed = {p.pk for p in before_products} != {p.pk for p in products}
    # What only the services write is taken from the locked row, never from the form.
    notice.published_at = stored.published_at
    notice.sequence = stored.sequence
    raised = stored.is_published and any(name in SEQUENCED_FIELDS for name in changed)
    if raised:
        notice.sequence += 1
    notice.save()
    if products_changed:
        notice.products.set(products)
    publication = None
    if publish_change and stored.is_published:
        publication = _record_publication(
            notice, Publication.Event.EDITED, actor=actor, send_mail=send_mail
        )
    labels = [AUDITED_FIELDS[name] for name in changed] + (["対象商品"] if products_changed else [])
    if labels or publication is not None:
        before = {AUDITED_FIELDS[n]: _display(_value(stored, n)) for n in changed if n != "body"}
        after = {AUDITED_FIELDS[n]: _display(_value(notice, n)) for n in changed if n != "body"}
        if "body" in changed:
            before["本文"], after["本文"] = "（変更前）", "（変更後）"
        if products_changed:
            before["対象商品"] = [p.name for p in before_products]
            after["対象商品"] = [p.name for p in products]
        if publication is not None:
            after["配信契機"] = (
                f"{publication.get_event_display()}（メール配信する：{_display(send_mail)}）"
            )
        record_audit(
            actor=actor,
            action=CHANGE_ACTION,
            target=notice.title,
            before=before,
            after=after,
            ip=ip,
        )
    return SaveOutcome(notice, tuple(labels), raised, publication)


@transaction.atomic
def publish_notice(*, notice: Notice, actor, ip: str | None, send_mail: bool) -> Publication:
    """「公開する」: the notice appears on the public pages; one publication is recorded."""
    stored = _locked(notice)
    if stored.is_published:
        raise NoticeRefused("この工事・故障情報は公開済みです。")
    stored.published_at = timezone.now()
    stored.save(update_fields=["published_at", "updated_at"])
    publication = _record_publication(
        stored, Publication.Event.PUBLISHED, actor=actor, send_mail=send_mail
    )
    record_audit(
        actor=actor,
        action=PUBLISH_ACTION,
        target=stored.title,
        before={"公開": "下書き"},
        after={"公開": format_datetime(stored.published_at), "メール配信する": send_mail},
        ip=ip,
    )
    notice.published_at = stored.published_at
    return publication


@transaction.atomic
def unpublish_notice(*, notice: Notice, actor, ip: str | None) -> None:
    """「公開をやめる」: back to a draft (a mistaken publication); nothing is deleted."""
    stored = _locked(notice)
    if not stored.is_published:
        raise NoticeRefused("この工事・故障情報は公開されていません。")
    published_at = stored.published_at
    stored.published_at = None
    stored.save(update_fields=["published_at", "updated_at"])
    record_audit(
        actor=actor,
        action=UNPUBLISH_ACTION,
        target=stored.title,
        before={"公開": format_datetime(published_at)},
        after={"公開": "下書き"},
        ip=ip,
    )
    notice.published_at = None


@transaction.atomic
def add_update(
    *,
    notice: Notice,
    at: datetime,
    status: str,
    text: str,
    send_mail: bool,
    actor,
    ip: str | None,
) -> NoticeUpdate:
    """「状況を更新」: one more entry of the history; the notice takes its status.

    復旧 and 完了 set the end time when none is set yet. A status change of a published
    notice raises ``sequence``; a published notice's update records a publication. The
    same update submitted twice (a double click) is refused.
    """
    stored = _locked(notice)
    check_status(stored.kind, status)
    if NoticeUpdate.objects.filter(notice=stored, at=at, status=status, text=text).exists():
        raise NoticeRefused("同じ内容の状況の更新が登録済みです。")
    before_status = stored.get_status_display()
    changed = []
    if status != stored.status:
        stored.status = status
        changed.append("status")
    if status in ENDING_STATUSES and stored.ends_at is None:
        if at < stored.starts_at:
            raise NoticeRefused(
                f"{Notice.Status(status).label}の日時は開始日時（{format_datetime(stored.starts_at)}）"
                "より後にしてください。",
                field="at",
            )
        stored.ends_at = at
        changed.append("ends_at")
    if changed and stored.is_published:
        stored.sequence += 1
        changed.append("sequence")
    if changed:
        stored.save(update_fields=[*changed, "updated_at"])
    update = NoticeUpdate.objects.create(
        notice=stored, at=at, status=status, text=text, send_mail=send_mail, created_by=actor
    )
    if stored.is_published:
        _record_publication(
            stored, Publication.Event.UPDATED, actor=actor, send_mail=send_mail, update=update
        )
    record_audit(
        actor=actor,
        action=UPDATE_ACTION,
        target=stored.title,
        before={"状況": before_status},
        after={
            "状況": stored.get_status_display(),
            "日時": format_datetime(at),
            "内容": text,
            "メール配信する": send_mail,
        },
        ip=ip,
    )
    for name in ("status", "ends_at", "sequence", "updated_at"):
        setattr(notice, name, getattr(stored, name))
    return update


# --- products and plans (管理者) -------------------------------------------------------------


def audit_product(*, product: Product, created: bool, actor, ip: str | None) -> None:
    record_audit(
        actor=actor,
        action=PRODUCT_ACTION,
        target=product.name,
        after={
            "操作": "登録" if created else "変更",
            "コード": product.code,
            "商品名": product.name,
            "表示順": product.order,
        },
        ip=ip,
    )


def audit_service_plan(*, plan: ServicePlan, created: bool, actor, ip: str | None) -> None:
    record_audit(
        actor=actor,
        action=PLAN_ACTION,
        target=plan.name,
        after={
            "操作": "登録" if created else "変更",
            "サービス名": plan.name,
            "商品": [p.name for p in plan.products.order_by("order", "pk")],
        },
        ip=ip,
    )


# --- reminders (S4) ---------------------------------------------------------------------------


def publish_reminders(now: datetime | None = None) -> int:
    """開始前のお知らせ: planned work starting within NOTICE_REMINDER_HOURS is mailed again.

    For published, still scheduled maintenance whose publication was mailed: one reminder
    per version of the window (``sequence``; a rescheduled work is reminded again). Run
    every minute by ``manage.py reconcile``. Returns how many reminders were recorded.
    """
    now = now or timezone.now()
    due = Notice.objects.filter(
        kind=Notice.Kind.MAINTENANCE,
        status=Notice.Status.SCHEDULED,
        published_at__isnull=False,
        starts_at__gt=now,
        starts_at__lte=now + timedelta(hours=settings.NOTICE_REMINDER_HOURS),
        publications__send_mail=True,
    ).exclude(
        Exists(
            Publication.objects.filter(
                notice=OuterRef("pk"),
                event=Publication.Event.REMINDER,
                sequence=OuterRef("sequence"),
            )
        )
    )
    recorded = 0
    for pk in set(due.values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                notice = _locked(Notice(pk=pk))
                if notice.status != Notice.Status.SCHEDULED or notice.published_at is None:
                    continue
                _record_publication(notice, Publication.Event.REMINDER, actor=None, send_mail=True)
                recorded += 1
        except IntegrityError:
            # Another run recorded this version's reminder first.
            continue
    return recorded
