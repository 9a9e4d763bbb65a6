from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ApplicationQuerySet(models.QuerySet):
    def in_progress(self):
        return self.filter(status__in=Application.IN_PROGRESS)


class Application(models.Model):
    """A change a customer asked for (お申込み, X3) and the state of the work that follows.

    The row is the truth of background work: a worker claims it with a lease
    (``lease_expires_at``); the reconcile command re-enqueues work whose lease expired.
    ``before``/``after`` hold display values only, never a secret; ``work`` holds what the
    work needs that is not for display (e.g. the network credential's crypt hash).
    """

    class Kind(models.TextChoices):
        NETWORK_PASSWORD = "network_password", _("認証パスワード変更")
        MAILBOX_ADD = "mailbox_add", _("メールアカウント追加")
        MAILBOX_CHANGE = "mailbox_change", _("メールアカウント・ウィルスチェックサービス変更")
        MAILBOX_DELETE = "mailbox_delete", _("メールアカウント削除")

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("受付")
        PROCESSING = "processing", _("処理中")
        DONE = "done", _("完了")
        FAILED = "failed", _("失敗")
        CANCELLED = "cancelled", _("取消")

    IN_PROGRESS = (Status.ACCEPTED, Status.PROCESSING)
    FINISHED = (Status.DONE, Status.FAILED, Status.CANCELLED)

    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("ご契約"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    kind = models.CharField(_("種別"), max_length=30, choices=Kind)
    status = models.CharField(
        _("状態"), max_length=20, choices=Status, default=Status.ACCEPTED, db_index=True
    )
    before = models.JSONField(_("変更前"), default=dict, blank=True)
    after = models.JSONField(_("変更後"), default=dict, blank=True)
    work = models.JSONField(_("処理データ"), default=dict, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申込者"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("受付日時"), auto_now_add=True, db_index=True)
    submitted_ip = models.GenericIPAddressField(_("申込元IPアドレス"), null=True, blank=True)
    # One per draft: a replayed or doubled final POST cannot create a second application.
    submission_key = models.CharField(
        _("二重送信防止キー"), max_length=64, unique=True, null=True, blank=True
    )
    lease_expires_at = models.DateTimeField(_("処理期限"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("処理回数"), default=0)
    finished_at = models.DateTimeField(_("処理完了日時"), null=True, blank=True)
    failure_reason = models.TextField(_("失敗理由"), blank=True)
    mail_to = models.JSONField(_("受付メール送信先"), default=list, blank=True)
    mail_sent_at = models.DateTimeField(_("受付メール送信日時"), null=True, blank=True)
    # When a worker took a mail for sending (see tasks._send_once): of two workers woken
    # for the same mail, only the one whose conditional update set this sends it.
    mail_claimed_at = models.DateTimeField(_("受付メール送信開始日時"), null=True, blank=True)
    outcome_mail_to = models.JSONField(_("結果メール送信先"), default=list, blank=True)
    outcome_mail_sent_at = models.DateTimeField(_("結果メール送信日時"), null=True, blank=True)
    outcome_mail_claimed_at = models.DateTimeField(
        _("結果メール送信開始日時"), null=True, blank=True
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("お申込み")
        verbose_name_plural = _("お申込み")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(failure_reason=""),
                name="application_failed_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["contract", "kind", "status"])]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()} {self.get_status_display()}"

    @property
    def number(self) -> str:
        """The application number (お申込み番号) shown to customers."""
        return f"A{self.pk:08d}"

    @property
    def customer_status(self) -> str:
        """The status as the customer reads it: a credential being published is 反映中."""
        if self.kind == self.Kind.NETWORK_PASSWORD and self.is_in_progress:
            return "反映中"
        return self.get_status_display()

    @property
    def is_in_progress(self) -> bool:
        return self.status in self.IN_PROGRESS
