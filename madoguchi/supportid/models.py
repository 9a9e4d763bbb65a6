"""お客さまサポートID (S2): an account of the support site, and the tokens mailed to it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SupportAccount(models.Model):
    """A support ID: a mail address (any domain), a name and a birth date, with a password.

    The login is ``user`` (kind ``support``); it is inactive until the address is confirmed
    by the mailed link (``confirmed_at``). Address, name and birth date never change after
    registration (the seed); the password does. ``email`` is stored lower-cased.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ログインアカウント"),
        on_delete=models.CASCADE,
        related_name="support_account",
    )
    email = models.EmailField(_("メールアドレス"), unique=True)
    name = models.CharField(_("お名前"), max_length=100)
    birth_date = models.DateField(_("生年月日"))
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("本登録日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("お客さまサポートID")
        verbose_name_plural = _("お客さまサポートID")
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                condition=Q(email=models.functions.Lower("email")),
                name="support_account_email_lowercase",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class MailToken(models.Model):
    """A link mailed to a support ID: random, single-use, expiring, stored hashed.

    The token in the link is ``<selector>.<verifier>``: the selector finds the row, the
    verifier is compared in constant time with the stored SHA-256 digest. Only the POST of
    the page the link opens uses it (``supportid.tokens``), so mail scanners cannot.
    """

    class Purpose(models.TextChoices):
        CONFIRM = "confirm", _("登録確認")
        RESET = "reset", _("パスワード再設定")
        DESTINATION = "destination", _("配信先確認")
        RESUME = "resume", _("配信再開")

    purpose = models.CharField(_("用途"), max_length=20, choices=Purpose)
    selector = models.CharField(_("識別子"), max_length=32, unique=True)
    verifier_digest = models.CharField(_("照合値（ハッシュ）"), max_length=64)
    account = models.ForeignKey(
        SupportAccount,
        verbose_name=_("お客さまサポートID"),
        on_delete=models.CASCADE,
        related_name="tokens",
    )
    # What the token acts on besides the account (a destination's id), if anything.
    target = models.PositiveBigIntegerField(_("対象"), null=True, blank=True)
    created_at = models.DateTimeField(_("発行日時"))
    expires_at = models.DateTimeField(_("有効期限"))
    used_at = models.DateTimeField(_("使用日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("メール記載のリンク")
        verbose_name_plural = _("メール記載のリンク")
        indexes = [models.Index(fields=["expires_at"], name="mail_token_expiry")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.selector}"
