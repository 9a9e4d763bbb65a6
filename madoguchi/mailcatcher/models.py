from email import message_from_bytes, policy

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaughtMail(models.Model):
    """A mail received by the local SMTP catcher (development and demo only)."""

    received_at = models.DateTimeField(_("受信日時"), auto_now_add=True, db_index=True)
    mail_from = models.CharField(_("エンベロープ送信者"), max_length=320)
    rcpt_to = models.JSONField(_("エンベロープ宛先"), default=list)
    subject = models.CharField(_("件名"), max_length=500, blank=True)
    raw = models.BinaryField(_("メール本体"))

    class Meta:
        verbose_name = _("受信メール")
        verbose_name_plural = _("受信メール")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return self.subject

    def message(self):
        return message_from_bytes(bytes(self.raw), policy=policy.default)

    def text_body(self) -> str:
        part = self.message().get_body(preferencelist=("plain", "html"))
        # Lines travel with CRLF over SMTP; shown in the back office with plain newlines.
        return part.get_content().replace("\r\n", "\n") if part is not None else ""
