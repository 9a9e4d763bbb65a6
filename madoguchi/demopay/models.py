"""The demo provider's own records: the single-use tokens it issued (never a card number)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IssuedToken(models.Model):
    """A token the demo provider issued for a card; resolved (used up) once by the portal."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("承認")
        DECLINED = "declined", _("拒否")
        EXPIRED = "expired", _("有効期限切れ")

    token = models.CharField(_("トークン"), max_length=64, unique=True)
    brand = models.CharField(_("カードブランド"), max_length=30)
    last4 = models.CharField(_("カード番号下4桁"), max_length=4)
    expiry = models.CharField(_("有効期限"), max_length=5)  # "MM/YY"
    # What the issuer answers when the token is resolved (test numbers, docs/payments.md).
    outcome = models.CharField(_("審査結果"), max_length=10, choices=Outcome)
    created_at = models.DateTimeField(_("発行日時"), auto_now_add=True)
    used_at = models.DateTimeField(_("使用日時"), null=True, blank=True)
    # The lasting reference to an approved card, given out when its token is resolved.
    card_reference = models.CharField(_("カード参照番号"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("デモ決済トークン")
        verbose_name_plural = _("デモ決済トークン")

    def __str__(self) -> str:
        return f"{self.brand} *{self.last4}"
