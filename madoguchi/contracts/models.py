from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Contract(models.Model):
    """An ISP contract (ご契約) as the desk shows it."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("ご利用中")
        CANCELLATION_ACCEPTED = "cancellation_accepted", _("廃止受付済")
        ENDED = "ended", _("廃止済")

    class PaymentMethod(models.TextChoices):
        INVOICE = "invoice", _("請求書によるお支払い")
        BANK_TRANSFER = "bank_transfer", _("口座振替によるお支払い")
        CARD = "card", _("クレジットカードによるお支払い")

    class NoticeMethod(models.TextChoices):
        POST = "post", _("郵送")
        MAIL = "mail", _("メール")

    customer_number = models.CharField(_("お客様番号"), max_length=20, unique=True)
    service_name = models.CharField(_("サービス品目"), max_length=100)
    name = models.CharField(_("お名前"), max_length=100)
    name_kana = models.CharField(_("お名前（カナ）"), max_length=100)
    postal_code = models.CharField(_("郵便番号"), max_length=8)
    address = models.CharField(_("ご住所"), max_length=200)
    department = models.CharField(_("部課名"), max_length=100, blank=True)
    payment_method = models.CharField(
        _("支払い方法"), max_length=20, choices=PaymentMethod, default=PaymentMethod.INVOICE
    )
    contact_email = models.EmailField(_("連絡先メールアドレス"))
    billing_notice_email = models.EmailField(
        _("「口座振替のご案内」送付先メールアドレス"), blank=True
    )
    # 「口座振替のお知らせ」の送付方法 (D6.3): by post, or by mail to billing_notice_email.
    billing_notice_method = models.CharField(
        _("「口座振替のお知らせ」の送付方法"),
        max_length=10,
        choices=NoticeMethod,
        default=NoticeMethod.POST,
    )
    # 「請求書」および「口座振替のお知らせ」送付先住所 (D6.2); empty means the contract's address.
    billing_postal_code = models.CharField(_("送付先郵便番号"), max_length=8, blank=True)
    billing_address = models.CharField(_("送付先住所"), max_length=200, blank=True)
    billing_company = models.CharField(_("送付先会社名"), max_length=100, blank=True)
    billing_department = models.CharField(_("送付先部課名"), max_length=100, blank=True)
    billing_addressee = models.CharField(_("送付先宛名"), max_length=100, blank=True)
    # The card a payment provider tokenized (D6.1): never its number, only what the provider
    # returns to show it back masked.
    card_token = models.CharField(_("カードトークン"), max_length=200, blank=True)
    card_brand = models.CharField(_("カードブランド"), max_length=30, blank=True)
    card_last4 = models.CharField(_("カード番号下4桁"), max_length=4, blank=True)
    card_expiry = models.CharField(_("カード有効期限"), max_length=5, blank=True)  # "MM/YY"
    # 担当者連絡先 (D6.4); its mail address is contact_email.
    contact_person_name = models.CharField(_("担当者氏名"), max_length=100, blank=True)
    contact_person_kana = models.CharField(_("担当者氏名（カナ）"), max_length=100, blank=True)
    contact_person_department = models.CharField(_("担当者部署名"), max_length=100, blank=True)
    contact_person_phone = models.CharField(_("担当者電話番号"), max_length=20, blank=True)
    status = models.CharField(_("状態"), max_length=30, choices=Status, default=Status.ACTIVE)
    # The desired date of an accepted cancellation (D5.3): the day the contract ends.
    cancellation_date = models.DateField(_("廃止日"), null=True, blank=True)
    online_password_change_allowed = models.BooleanField(
        _("オンラインでの認証パスワード変更を許可"), default=True
    )
    paper_application_in_progress = models.BooleanField(
        _("申込書による変更手続き中"), default=False
    )
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("ご契約")
        verbose_name_plural = _("ご契約")
        ordering = ["customer_number"]

    def __str__(self) -> str:
        return f"{self.customer_number} {self.name}"

    @property
    def is_ended(self) -> bool:
        return self.status == self.Status.ENDED

    @property
    def card_masked(self) -> str:
        """The stored card as it is shown back: brand, last four digits and expiry."""
        if not self.card_last4:
            return ""
        return f"{self.card_brand} ****-****-****-{self.card_last4}（有効期限 {self.card_expiry}）"

    @property
    def billing_destination(self) -> dict[str, str]:
        """Where 「請求書」 and 「口座振替のお知らせ」 go: the billing address or the contract's."""
        if self.billing_address:
            return {
                "postal_code": self.billing_postal_code,
                "address": self.billing_address,
                "company": self.billing_company,
                "department": self.billing_department,
                "addressee": self.billing_addressee,
            }
        return {
            "postal_code": self.postal_code,
            "address": self.address,
            "company": self.name,
            "department": self.department,
            "addressee": "",
        }


class User(AbstractUser):
    """Everyone who logs in: desk credentials, support IDs, ISP mailboxes and operators.

    A desk credential's username is ``<認証ID>@<realm>``; its password is also the
    network authentication (PPPoE) password that provisioning publishes to RADIUS. A support
    ID's username is ``support:<random>`` (its address is ``supportid.SupportAccount.email``);
    a mailbox login's is ``mailbox:<address>`` with no usable password (the mail password in
    ``virtual_users`` is checked, see ``supportid.backends``).
    """

    class Kind(models.TextChoices):
        DESK = "desk", _("カスタマサポートデスク")
        SUPPORT = "support", _("お客さまサポートID")
        # A mailbox of the ISP logged in to the support site with its mail password (S2);
        # the row exists for the session, and follows the mailbox's contract.
        MAILBOX = "mailbox", _("メールアドレス（プロバイダ）")
        OPERATOR = "operator", _("オペレーター")

    kind = models.CharField(_("種別"), max_length=10, choices=Kind, default=Kind.OPERATOR)
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("ご契約"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    password_changed_at = models.DateTimeField(_("パスワード変更日時"), null=True, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("ログインアカウント")
        verbose_name_plural = _("ログインアカウント")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["desk", "mailbox"], contract__isnull=False)
                | (Q(kind__in=["support", "operator"]) & Q(contract__isnull=True)),
                name="user_desk_has_contract",
            ),
            models.UniqueConstraint(
                fields=["contract"], condition=Q(kind="desk"), name="user_one_desk_credential"
            ),
            models.CheckConstraint(
                condition=Q(kind="operator") | Q(is_staff=False, is_superuser=False),
                name="user_only_operators_are_staff",
            ),
        ]

    @property
    def login_id(self) -> str:
        """The 認証ID without the realm."""
        return self.username.partition("@")[0]

    @property
    def realm(self) -> str:
        return self.username.partition("@")[2]


class PhonePage(models.Model):
    """One of the four お電話での問い合わせ pages; operators edit the text (D7.1)."""

    class Topic(models.TextChoices):
        SETUP = "setup", _("設定方法について")
        FAULT = "fault", _("故障について")
        BILLING = "billing", _("請求料金について")
        PROCEDURES = "procedures", _("各種手続き・申し込み方法について")

    topic = models.CharField(_("項目"), max_length=20, choices=Topic, unique=True)
    phone_number = models.CharField(_("電話番号"), max_length=20)
    hours = models.CharField(_("受付時間"), max_length=100)
    body = models.TextField(_("ご案内"), help_text=_("段落は空行で区切ります。"))
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("お電話での問い合わせページ")
        verbose_name_plural = _("お電話での問い合わせページ")
        ordering = ["topic"]

    def __str__(self) -> str:
        return self.get_topic_display()
