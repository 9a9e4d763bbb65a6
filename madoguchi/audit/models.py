from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.audit.labels import action_label


class AuditEntry(models.Model):
    """One change by a customer or an operator (X7). Never holds a secret."""

    created_at = models.DateTimeField(_("日時"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("実行者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("実行者名"), max_length=200)
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("ご契約"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=100, db_index=True)
    target = models.CharField(_("対象"), max_length=200, blank=True)
    before = models.JSONField(_("変更前"), default=dict, blank=True)
    after = models.JSONField(_("変更後"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IPアドレス"), null=True, blank=True)

    class Meta:
        verbose_name = _("監査ログ")
        verbose_name_plural = _("監査ログ")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        created = timezone.localtime(self.created_at)  # JST, as every time operators read
        return f"{created:%Y/%m/%d %H:%M} {self.actor_name} {self.action_label}"

    @property
    def action_label(self) -> str:
        return action_label(self.action)
