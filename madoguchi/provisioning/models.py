from django.db import models
from django.utils.translation import gettext_lazy as _


class RadCheck(models.Model):
    """FreeRADIUS SQL module's ``radcheck`` table (P1), in its own layout.

    FreeRADIUS reads it as is (``read_clients``/``authorize_check_query`` of
    ``mods-config/sql/main/*/queries.conf``); the network password is a ``Crypt-Password``
    (SHA-512-crypt), which the PAP module verifies. Never plaintext.
    """

    id = models.AutoField(_("ID番号"), primary_key=True)
    username = models.CharField(_("ユーザー名（認証ID）"), max_length=64, default="", db_index=True)
    attribute = models.CharField(_("属性"), max_length=64, default="")
    op = models.CharField(_("演算子"), max_length=2, default="==")
    value = models.CharField(_("値"), max_length=253, default="")

    class Meta:
        db_table = "radcheck"
        verbose_name = _("RADIUS認証情報 (radcheck)")
        verbose_name_plural = _("RADIUS認証情報 (radcheck)")
        constraints = [
            models.UniqueConstraint(fields=["username", "attribute"], name="radcheck_one_attr"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.attribute}"


class VirtualDomain(models.Model):
    """A mail host (domain) served by the Postfix/Dovecot virtual-mailbox setup (P2)."""

    name = models.CharField(_("ドメイン名"), max_length=253, unique=True)

    class Meta:
        db_table = "virtual_domains"
        verbose_name = _("メールドメイン")
        verbose_name_plural = _("メールドメイン")

    def __str__(self) -> str:
        return self.name


class VirtualUser(models.Model):
    """A mailbox as Postfix (``virtual_mailbox_maps``) and Dovecot (passdb/userdb) read it.

    ``password`` is a Dovecot scheme-prefixed hash (``{ARGON2ID}$argon2id$…``), never
    plaintext; ``virus_check`` routes the recipient through the content filter.
    """

    domain = models.ForeignKey(
        VirtualDomain, verbose_name=_("ドメイン"), on_delete=models.PROTECT, related_name="users"
    )
    email = models.CharField(_("メールアドレス"), max_length=320, unique=True)
    password = models.CharField(_("パスワード（ハッシュ）"), max_length=255)
    maildir = models.CharField(_("メールボックスの場所 (maildir)"), max_length=400)
    virus_check = models.BooleanField(_("ウィルスチェックサービス"), default=False)
    active = models.BooleanField(_("有効"), default=True)

    class Meta:
        db_table = "virtual_users"
        verbose_name = _("メールボックス (virtual_users)")
        verbose_name_plural = _("メールボックス (virtual_users)")

    def __str__(self) -> str:
        return self.email


class BillingChange(models.Model):
    """A completed billing change (D6) as the ISP's billing system reads it (P3).

    One row per completed application, written once (the application number is unique, so a
    processor run again after an interruption publishes nothing twice). ``values`` holds the
    new values under stable keys; a card appears only as the payment provider's token.
    """

    application_number = models.CharField(_("お申込み番号"), max_length=20, unique=True)
    customer_number = models.CharField(_("お客様番号"), max_length=20, db_index=True)
    kind = models.CharField(_("変更の種類"), max_length=40)
    values = models.JSONField(_("変更後の値"), default=dict)
    changed_at = models.DateTimeField(_("変更日時"))

    class Meta:
        db_table = "billing_changes"
        verbose_name = _("請求システム連携 (billing_changes)")
        verbose_name_plural = _("請求システム連携 (billing_changes)")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.application_number} {self.kind}"
