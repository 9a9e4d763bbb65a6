"""工事・故障情報 (S1, B2): products, notices, their status history and publications.

A notice is a planned work (工事) or an outage (故障) affecting one or more products. Its
status history is a list of updates, each timestamped; publishing a notice or adding an
update records a ``Publication``, the event the delivery of 工事・故障情報メール mails (S4).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from madoguchi.lib.markdown import plain_text
from madoguchi.lib.search import fold


class Product(models.Model):
    """A product customers subscribe to notices of (光アクセス, メール, ...)."""

    code = models.SlugField(
        _("コード"), max_length=40, unique=True, help_text=_("URL とフィードに使う英数字です。")
    )
    name = models.CharField(_("商品名"), max_length=100, unique=True)
    order = models.PositiveIntegerField(_("表示順"), default=0)

    class Meta:
        verbose_name = _("商品")
        verbose_name_plural = _("商品")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class ServicePlan(models.Model):
    """Which products a contract's service plan (``Contract.service_name``) includes.

    The desk's ご利用状況の確認 shows the current and upcoming notices of these products.
    """

    name = models.CharField(_("サービス名"), max_length=100, unique=True)
    products = models.ManyToManyField(Product, verbose_name=_("商品"), related_name="plans")

    class Meta:
        verbose_name = _("サービスと商品の対応")
        verbose_name_plural = _("サービスと商品の対応")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Notice(models.Model):
    class Kind(models.TextChoices):
        MAINTENANCE = "maintenance", _("工事")
        OUTAGE = "outage", _("故障")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("予定")
        IN_PROGRESS = "in_progress", _("作業中")
        OCCURRING = "occurring", _("発生中")
        RECOVERED = "recovered", _("復旧")
        COMPLETED = "completed", _("完了")
        CANCELLED = "cancelled", _("中止")

    # The statuses each kind may take, in their usual order.
    STATUSES_BY_KIND = {
        Kind.MAINTENANCE: (
            Status.SCHEDULED,
            Status.IN_PROGRESS,
            Status.COMPLETED,
            Status.CANCELLED,
        ),
        Kind.OUTAGE: (Status.OCCURRING, Status.RECOVERED),
    }
    # Notices that are still "current" (shown in the desk banner and the calendar feed).
    OPEN_STATUSES = (Status.SCHEDULED, Status.IN_PROGRESS, Status.OCCURRING)

    kind = models.CharField(_("種別"), max_length=12, choices=Kind)
    status = models.CharField(_("状況"), max_length=12, choices=Status)
    title = models.CharField(_("件名"), max_length=200)
    body = models.TextField(
        _("本文"),
        blank=True,
        help_text=_("Markdown で書けます。表示の際に安全な HTML に変換します。"),
    )
    products = models.ManyToManyField(Product, verbose_name=_("対象商品"), related_name="notices")
    area = models.CharField(_("対象地域"), max_length=200, blank=True)
    # 工事: the planned window; 故障: when it occurred and (once known) when it recovered.
    starts_at = models.DateTimeField(_("開始日時"))
    ends_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    members_only = models.BooleanField(
        _("ログインしたお客さまのみに公開"),
        default=False,
        help_text=_(
            "ログインしていない方には、一覧・詳細・フィード・検索のいずれにも表示しません。"
        ),
    )
    published_at = models.DateTimeField(_("掲載日時"), null=True, blank=True, db_index=True)
    # fold() of the title, area and body: what the keyword search reads (S1).
    search_text = models.TextField(_("検索用テキスト"), blank=True, editable=False)
    # Raised whenever the window or the status changes, for the calendar feed (RFC 5545).
    sequence = models.PositiveIntegerField(_("改版番号"), default=0)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("工事・故障情報")
        verbose_name_plural = _("工事・故障情報")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["status", "starts_at"], name="notice_status_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind="maintenance",
                    status__in=["scheduled", "in_progress", "completed", "cancelled"],
                )
                | Q(kind="outage", status__in=["occurring", "recovered"]),
                name="notice_status_fits_kind",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="notice_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.search_text = fold(f"{self.title} {self.area} {plain_text(self.body)}")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"title", "area", "body"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class NoticeUpdate(models.Model):
    """One entry of a notice's status history (故障発生 → 調査中 → 復旧), timestamped."""

    notice = models.ForeignKey(
        Notice, verbose_name=_("工事・故障情報"), on_delete=models.CASCADE, related_name="updates"
    )
    at = models.DateTimeField(_("日時"))
    status = models.CharField(_("状況"), max_length=12, choices=Notice.Status)
    text = models.TextField(_("内容"))
    send_mail = models.BooleanField(
        _("メール配信する"),
        default=False,
        help_text=_("工事・故障情報メールの配信対象にします。"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登録者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("状況の更新")
        verbose_name_plural = _("状況の更新")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.text[:30]}"


class Publication(models.Model):
    """A notice published, or an update of it added: the event 工事・故障情報メール mails.

    It keeps the subject and text as they were published, so a later edit of the notice
    changes no mail already being sent (an edit published again is a new publication).
    Recording one sends nothing by itself.
    """

    class Event(models.TextChoices):
        PUBLISHED = "published", _("掲載")
        UPDATED = "updated", _("状況の更新")
        EDITED = "edited", _("内容の変更")
        REMINDER = "reminder", _("開始前のお知らせ")

    notice = models.ForeignKey(
        Notice,
        verbose_name=_("工事・故障情報"),
        on_delete=models.PROTECT,
        related_name="publications",
    )
    update = models.ForeignKey(
        NoticeUpdate,
        verbose_name=_("状況の更新"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="publications",
    )
    event = models.CharField(_("契機"), max_length=12, choices=Event)
    kind = models.CharField(_("種別"), max_length=12, choices=Notice.Kind)
    status = models.CharField(_("状況"), max_length=12, choices=Notice.Status)
    send_mail = models.BooleanField(_("メール配信する"), default=False)
    subject = models.CharField(_("件名"), max_length=250)
    text = models.TextField(_("本文"))
    products = models.ManyToManyField(Product, verbose_name=_("対象商品"), related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登録者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The notice's sequence when this was recorded: one reminder per version of the window.
    sequence = models.PositiveIntegerField(_("改版番号"), default=0)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("配信契機")
        verbose_name_plural = _("配信契機")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "sequence"],
                condition=Q(event="reminder"),
                name="publication_one_reminder_per_version",
            ),
        ]

    def __str__(self) -> str:
        return self.subject
