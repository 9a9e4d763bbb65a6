"""工事・故障情報メール settings of a support ID (S3), stored for one indexed selection.

The delivery (S4) selects recipients in one query: the confirmed, not suspended
``Destination`` rows of accounts whose ``AlertProduct`` rows name an affected product, whose
kind flag is on and whose ``weekdays`` and ``hours`` bitmasks hold the publication time.
No JSON is scanned.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from madoguchi.notices.models import Product
from madoguchi.supportid.models import SupportAccount

ALL_WEEKDAYS = (1 << 7) - 1  # bit 0 = Monday … bit 6 = Sunday (date.weekday())
ALL_HOURS = (1 << 24) - 1  # bit h = the hour h:00–h:59 (JST)
MAX_DESTINATIONS = 3


class AlertSettings(models.Model):
    """What a support ID wants mailed, and when (S3)."""

    account = models.OneToOneField(
        SupportAccount,
        verbose_name=_("お客さまサポートID"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="alert_settings",
    )
    maintenance = models.BooleanField(_("工事情報"), default=True)
    outage = models.BooleanField(_("故障情報"), default=True)
    weekdays = models.PositiveSmallIntegerField(_("配信曜日"), default=ALL_WEEKDAYS)
    hours = models.PositiveIntegerField(_("配信時間帯"), default=ALL_HOURS)
    products = models.ManyToManyField(
        Product, verbose_name=_("商品"), through="AlertProduct", blank=True
    )
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("工事・故障情報メールの設定")
        verbose_name_plural = _("工事・故障情報メールの設定")
        constraints = [
            models.CheckConstraint(
                condition=Q(weekdays__lte=ALL_WEEKDAYS), name="alert_settings_weekdays_bits"
            ),
            models.CheckConstraint(
                condition=Q(hours__lte=ALL_HOURS), name="alert_settings_hours_bits"
            ),
        ]

    def __str__(self) -> str:
        return str(self.account)


class AlertProduct(models.Model):
    """One product a support ID wants mails about (the selection joins on ``product``)."""

    settings = models.ForeignKey(
        AlertSettings, verbose_name=_("設定"), on_delete=models.CASCADE, related_name="links"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("商品"), on_delete=models.CASCADE, related_name="alert_links"
    )

    class Meta:
        verbose_name = _("配信対象の商品")
        verbose_name_plural = _("配信対象の商品")
        constraints = [
            models.UniqueConstraint(fields=["product", "settings"], name="alert_product_once"),
        ]

    def __str__(self) -> str:
        return f"{self.settings} {self.product}"


class Destination(models.Model):
    """One of up to three addresses a support ID has mails sent to (S3).

    ``slot`` (1–3, unique per account) lets the database itself refuse a fourth. A pending
    (仮登録) destination that was not confirmed within ``DESTINATION_CONFIRM_MINUTES`` is
    expired: it no longer holds its slot and the address may be added again.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("仮登録")
        ACTIVE = "active", _("有効")
        SUSPENDED = "suspended", _("配信停止")

    class Reason(models.TextChoices):
        BOUNCES = "bounces", _("メールをお届けできない状態が続いたため")
        UNSUBSCRIBED = "unsubscribed", _("メール記載のリンクから配信停止されたため")
        COMPLAINT = "complaint", _("迷惑メールとして報告されたため")
        OPERATOR = "operator", _("お客さまサポートにより配信停止されたため")

    account = models.ForeignKey(
        SupportAccount,
        verbose_name=_("お客さまサポートID"),
        on_delete=models.CASCADE,
        related_name="destinations",
    )
    slot = models.PositiveSmallIntegerField(_("番号"))
    address = models.EmailField(_("配信先メールアドレス"))
    status = models.CharField(_("状態"), max_length=20, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField(_("登録日時"))
    confirmed_at = models.DateTimeField(_("本登録日時"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("配信停止日時"), null=True, blank=True)
    suspension_reason = models.CharField(
        _("配信停止の理由"), max_length=20, choices=Reason, blank=True
    )
    # One-click unsubscribe (RFC 8058) from a mail stops that kind only, for this address.
    maintenance_stopped_at = models.DateTimeField(
        _("工事情報の配信停止日時"), null=True, blank=True
    )
    outage_stopped_at = models.DateTimeField(_("故障情報の配信停止日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("配信先")
        verbose_name_plural = _("配信先")
        ordering = ["account", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["account", "slot"], name="destination_one_per_slot"),
            models.UniqueConstraint(fields=["account", "address"], name="destination_address_once"),
            models.CheckConstraint(
                condition=Q(slot__gte=1, slot__lte=MAX_DESTINATIONS),
                name="destination_slot_range",
            ),
            models.CheckConstraint(
                condition=Q(status="suspended", suspended_at__isnull=False)
                | (~Q(status="suspended") & Q(suspended_at__isnull=True)),
                name="destination_suspended_has_date",
            ),
        ]
        indexes = [
            models.Index(
                fields=["account"], condition=Q(status="active"), name="destination_active"
            ),
        ]

    def __str__(self) -> str:
        return self.address
