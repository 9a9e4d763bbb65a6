from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_SLOTS = 4


class Mailbox(models.Model):
    """A mail account of a contract in one of its four slots (D4.1)."""

    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("ご契約"),
        on_delete=models.PROTECT,
        related_name="mailboxes",
    )
    slot = models.PositiveSmallIntegerField(_("番号"))
    account = models.CharField(_("メールアカウント"), max_length=32, unique=True)
    host = models.CharField(_("ホスト"), max_length=100)
    virus_check = models.BooleanField(_("ウィルスチェックサービス"), default=False)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("メールアカウント")
        verbose_name_plural = _("メールアカウント")
        ordering = ["contract", "slot"]
        constraints = [
            # With the slot limited to 1–4, a fifth account is impossible, even under races.
            models.UniqueConstraint(fields=["contract", "slot"], name="mailbox_one_per_slot"),
            models.CheckConstraint(
                condition=Q(slot__gte=1, slot__lte=MAX_SLOTS), name="mailbox_slot_1_to_4"
            ),
        ]

    def __str__(self) -> str:
        return self.address

    @property
    def address(self) -> str:
        return f"{self.account}@{self.host}"


class MailboxOrder(models.Model):
    """What a mailbox application asks for: the slot, and the account and option after it.

    ``pending`` is True while the application is in progress; the partial unique
    constraint makes a second pending application on one slot impossible.
    """

    class Action(models.TextChoices):
        ADD = "add", _("追加")
        CHANGE = "change", _("変更")
        DELETE = "delete", _("削除")

    application = models.OneToOneField(
        "applications.Application",
        verbose_name=_("お申込み"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="mailbox_order",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("ご契約"),
        on_delete=models.PROTECT,
        related_name="mailbox_orders",
    )
    slot = models.PositiveSmallIntegerField(_("番号"))
    action = models.CharField(_("お申込み"), max_length=10, choices=Action)
    # The new account name; blank when the account does not change.
    account = models.CharField(_("変更後メールアカウント"), max_length=32, blank=True)
    # The virus check after the application; None when it does not change.
    virus_check = models.BooleanField(_("変更後ウィルスチェックサービス"), null=True)
    # The mail password as a Dovecot-compatible hash; blank when no new account.
    password_hash = models.CharField(
        _("メールパスワード（ハッシュ）"), max_length=255, blank=True, editable=False
    )
    pending = models.BooleanField(_("処理待ち"), default=True)

    class Meta:
        verbose_name = _("メールアカウントのお申込み内容")
        verbose_name_plural = _("メールアカウントのお申込み内容")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "slot"],
                condition=Q(pending=True),
                name="mailbox_order_one_pending_per_slot",
            ),
            models.CheckConstraint(
                condition=Q(slot__gte=1, slot__lte=MAX_SLOTS), name="mailbox_order_slot_1_to_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.slot:02d} {self.get_action_display()}"


class AccountName(models.Model):
    """Every account name in use: by a mailbox or by a pending application (D4.9).

    One table so the database itself refuses a name taken anywhere in the service,
    however many browsers ask for it at the same moment.
    """

    name = models.CharField(_("アカウント名"), max_length=32, primary_key=True)
    reserved_at = models.DateTimeField(_("確保日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("使用中のアカウント名")
        verbose_name_plural = _("使用中のアカウント名")

    def __str__(self) -> str:
        return self.name


class NameLookup(models.Model):
    """One answer to "is this account name free?" given to a contract (D4.9).

    The answers are limited per contract and hour (``MAILBOX_NAME_LOOKUPS_PER_HOUR``): names
    are unique across the service, so an unlimited answer would let anyone with a login list
    other customers' addresses. Rows older than an hour are deleted as new ones come.
    """

    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("ご契約"), on_delete=models.CASCADE, related_name="+"
    )
    looked_up_at = models.DateTimeField(_("確認日時"), default=timezone.now)

    class Meta:
        verbose_name = _("アカウント名の確認")
        verbose_name_plural = _("アカウント名の確認")
        indexes = [models.Index(fields=["contract", "looked_up_at"], name="name_lookup_recent")]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.looked_up_at:%Y-%m-%d %H:%M:%S}"
