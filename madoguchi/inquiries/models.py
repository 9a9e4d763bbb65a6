"""お問い合わせ (S5): what a visitor asked, and how operators answered it.

An inquiry keeps what the answer needs (the question, a name and an address to answer to,
optionally a phone number and contract number) and, for the submission limits only, the
client's address: ``client_ip`` is cleared once the limit window has passed
(``services.forget_client_addresses``).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.inquiries.categories import CHOICES, label


class Inquiry(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("未対応")
        IN_PROGRESS = "in_progress", _("対応中")
        ANSWERED = "answered", _("回答済")
        CLOSED = "closed", _("完了")

    number = models.CharField(_("お問い合わせ番号"), max_length=20, unique=True)
    received_at = models.DateTimeField(_("受付日時"), db_index=True)
    category = models.CharField(_("お問い合わせ種別"), max_length=20, choices=CHOICES)
    product = models.ForeignKey(
        "notices.Product",
        verbose_name=_("商品"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    subject = models.CharField(_("件名"), max_length=100)
    body = models.TextField(_("お問い合わせ内容"))
    name = models.CharField(_("お名前"), max_length=50)
    email = models.EmailField(_("メールアドレス"), max_length=254)
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    contract_number = models.CharField(_("お客様番号"), max_length=20, blank=True)
    # The desk login that sent it, and its contract (for the categories that need a login).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("送信したログイン"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("ご契約"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("対応状況"), max_length=12, choices=Status, default=Status.NEW, db_index=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("担当者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_inquiries",
        limit_choices_to={"kind": "operator"},
    )
    # The confirm page's draft key: a doubled or replayed submission finds it taken (X2).
    submission_key = models.CharField(_("送信キー"), max_length=64, unique=True)
    # Kept for the per-client limit's window only, then cleared.
    client_ip = models.GenericIPAddressField(_("送信元IPアドレス"), null=True, blank=True)

    class Meta:
        verbose_name = _("お問い合わせ")
        verbose_name_plural = _("お問い合わせ")
        ordering = ["-received_at", "-id"]
        permissions = [("handle_inquiry", _("お問い合わせに対応する"))]
        indexes = [
            models.Index(fields=["client_ip", "received_at"], name="inquiry_client_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def category_label(self) -> str:
        return label(self.category)


class InquiryCounter(models.Model):
    """The one row that numbers inquiries per day (``Q-20261202-0001``).

    Each submission locks it, so submissions are serialised: the numbers of a day are
    consecutive and the limits are counted without a race.
    """

    day = models.DateField(_("日付"))
    last = models.PositiveIntegerField(_("最後の番号"), default=0)

    class Meta:
        verbose_name = _("お問い合わせ番号の採番")
        verbose_name_plural = _("お問い合わせ番号の採番")

    def __str__(self) -> str:
        return f"{self.day:%Y%m%d}-{self.last:04d}"


class InquiryNote(models.Model):
    """An operator's internal note on an inquiry: never shown or mailed to the customer."""

    inquiry = models.ForeignKey(
        Inquiry, verbose_name=_("お問い合わせ"), on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("記入者"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    author_name = models.CharField(_("記入者名"), max_length=150)
    created_at = models.DateTimeField(_("記入日時"), auto_now_add=True)
    text = models.TextField(_("内部メモ"))

    class Meta:
        verbose_name = _("内部メモ")
        verbose_name_plural = _("内部メモ")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.inquiry_id} {self.author_name}"


class InquiryReply(models.Model):
    """An operator's answer, mailed to the customer through the outbox (``mail``)."""

    inquiry = models.ForeignKey(
        Inquiry, verbose_name=_("お問い合わせ"), on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("返信者"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    author_name = models.CharField(_("返信者名"), max_length=150)
    sent_at = models.DateTimeField(_("返信日時"), auto_now_add=True)
    body = models.TextField(_("返信内容"))
    mail = models.ForeignKey(
        "outbox.Mail",
        verbose_name=_("送信メール"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    # The reply form's key: a double click on 「返信する」 sends one mail.
    submission_key = models.CharField(_("送信キー"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("返信")
        verbose_name_plural = _("返信")
        ordering = ["sent_at", "id"]

    def __str__(self) -> str:
        return f"{self.inquiry_id} {self.author_name}"
