from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MailQuerySet(models.QuerySet):
    def due(self, now=None):
        """Mails a worker may take now: waiting and due, or claimed by a worker whose claim
        ran out (it died while sending)."""
        now = now or timezone.now()
        return self.filter(
            Q(status=Mail.Status.PENDING, not_before__lte=now)
            & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        )


class Mail(models.Model):
    """One mail to one recipient (every mail the portal sends is one row: the outbox).

    The row is the truth of sending: a worker claims it with a conditional update
    (``claim``/``claimed_until``), sends it with its stable ``message_id`` (the same on every
    attempt, so a retry after a crash is recognisably the same mail) and records the SMTP
    reply. Its body is rendered at sending time from ``template`` and ``context`` (plain
    values; a mailed link's single-use token is named as secret and removed from the row
    once the mail is sent or has failed, see ``services.enqueue_mail``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("送信待ち")
        SENT = "sent", _("送信済み")
        FAILED = "failed", _("送信失敗")

    to = models.EmailField(_("宛先"), max_length=320)
    template = models.CharField(_("テンプレート"), max_length=100)
    context = models.JSONField(_("差し込み内容"), default=dict, blank=True)
    subject = models.CharField(_("件名"), max_length=500, blank=True)
    # What the mail is about, for operators (an application number, …).
    reference = models.CharField(_("関連"), max_length=50, blank=True, db_index=True)
    status = models.CharField(
        _("状態"), max_length=10, choices=Status, default=Status.PENDING, db_index=True
    )
    message_id = models.CharField(_("メッセージID (Message-ID)"), max_length=255, unique=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True, db_index=True)
    not_before = models.DateTimeField(_("送信予定日時"), default=timezone.now)
    claim = models.CharField(_("送信処理ID"), max_length=32, blank=True, db_index=True)
    claimed_until = models.DateTimeField(_("送信処理期限"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("送信回数"), default=0)
    last_reply = models.TextField(_("最後のSMTP応答"), blank=True)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)

    objects = MailQuerySet.as_manager()

    class Meta:
        verbose_name = _("送信メール")
        verbose_name_plural = _("送信メール")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "not_before"], name="outbox_mail_due")]

    def __str__(self) -> str:
        return f"{self.to} {self.subject or self.template}"
