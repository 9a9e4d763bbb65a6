from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.applications import registry


class ApplicationQuerySet(models.QuerySet):
    def in_progress(self):
        return self.filter(status__in=Application.IN_PROGRESS)

    def manual(self):
        """Applications of the kinds operators carry out by hand."""
        return self.filter(kind__in=registry.manual_codes())


class Application(models.Model):
    """A change a customer asked for (お申込み, X3) and the state of the work that follows.

    The row is the truth of background work: a worker claims it with a lease
    (``lease_expires_at``), never before it is due (``not_before``); the reconcile command
    re-enqueues work whose lease expired or whose wake-up was lost. ``kind`` is a code
    registered by a feature app (``registry``). ``before``/``after`` hold the values under
    the kind's stable keys, never a secret; ``work`` holds what the work needs that is not
    for display (e.g. the network credential's crypt hash).
    """

    class Status(models.TextChoices):
        # Waits until the address it names is confirmed by a mailed link; never claimed.
        AWAITING = "awaiting", _("メール確認待ち")
        ACCEPTED = "accepted", _("受付")
        PROCESSING = "processing", _("処理中")
        DONE = "done", _("完了")
        FAILED = "failed", _("失敗")
        CANCELLED = "cancelled", _("取消")

    IN_PROGRESS = (Status.AWAITING, Status.ACCEPTED, Status.PROCESSING)
    FINISHED = (Status.DONE, Status.FAILED, Status.CANCELLED)

    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("ご契約"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    kind = models.CharField(_("種別"), max_length=30, choices=registry.choices)
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
    # Nothing is carried out before this time: the kind's delay (the customer may cancel
    # until then) or the date the customer chose.
    not_before = models.DateTimeField(_("処理予定日時"), default=timezone.now)
    lease_expires_at = models.DateTimeField(_("処理期限"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("処理回数"), default=0)
    finished_at = models.DateTimeField(_("処理完了日時"), null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("処理したオペレーター"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    failure_reason = models.TextField(_("失敗理由"), blank=True)
    # An address the application names that must be confirmed by a mailed link (single-use,
    # valid until ``confirm_by``) before the application is carried out: it waits as
    # 「メール確認待ち」 and fails with a mail if the link is not followed in time.
    confirmation_email = models.EmailField(_("確認先メールアドレス"), blank=True)
    confirm_by = models.DateTimeField(_("確認期限"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("確認日時"), null=True, blank=True)

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
        indexes = [
            models.Index(fields=["contract", "kind", "status"]),
            models.Index(fields=["status", "not_before"], name="application_due"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.kind_label} {self.get_status_display()}"

    @property
    def number(self) -> str:
        """The application number (お申込み番号) shown to customers."""
        return f"A{self.pk:08d}"

    @property
    def spec(self) -> registry.Kind:
        return registry.get(self.kind)

    @property
    def kind_label(self) -> str:
        return self.spec.label

    @property
    def rows(self) -> list[tuple[str, str, str]]:
        """The before/after values as (label, before, after) lines for pages and mails."""
        return self.spec.rows(self.before, self.after)

    @property
    def customer_status(self) -> str:
        """The status as the customer reads it (e.g. a credential being published: 反映中)."""
        if self.status == self.Status.AWAITING:
            return self.get_status_display()
        if self.is_in_progress and self.spec.in_progress_label:
            return self.spec.in_progress_label
        return self.get_status_display()

    @property
    def is_in_progress(self) -> bool:
        return self.status in self.IN_PROGRESS

    @property
    def is_scheduled(self) -> bool:
        """Accepted and not yet due."""
        return self.status == self.Status.ACCEPTED and self.not_before > timezone.now()

    @property
    def can_be_cancelled(self) -> bool:
        """The customer may still withdraw it (D4.7): accepted, not claimed by a worker."""
        return self.status == self.Status.ACCEPTED and self.spec.cancellable
