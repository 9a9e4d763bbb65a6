"""工事・故障情報メール delivery (S4): one row per (publication, destination).

The rows are the truth of a fan-out: made in bulk by one ``INSERT … SELECT`` when a
publication is to be mailed, unique, so a rerun makes none twice. They are kept lean (a
publication of 1,000,000 destinations is 1,000,000 rows): the destination is referred to by
its id without a foreign key, so a destination deleted while its row waits is skipped,
not cascaded away, and its row still says what became of it.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from madoguchi.notices.models import Publication
from madoguchi.outbox.models import Mail

# Rows something came back for (an event) or that were skipped: what the progress page
# counts row by row (sent and failed are summed from the batches), through a partial index.
NOTABLE = Q(event__gt=0) | Q(status=3)


class Delivery(models.Model):
    class Status(models.IntegerChoices):
        PENDING = 0, _("送信待ち")
        SENT = 1, _("送信済み")
        FAILED = 2, _("送信失敗")
        SKIPPED = 3, _("送信対象外")

    class Event(models.IntegerChoices):
        NONE = 0, _("なし")
        SOFT_BOUNCE = 1, _("一時的な不達")
        HARD_BOUNCE = 2, _("恒久的な不達")
        COMPLAINT = 3, _("迷惑メール報告")
        UNSUBSCRIBED = 4, _("配信停止")
        AUTO_REPLY = 5, _("自動応答")

    id = models.BigAutoField(primary_key=True)
    publication = models.ForeignKey(
        Publication,
        verbose_name=_("配信契機"),
        on_delete=models.PROTECT,
        related_name="deliveries",
        db_index=False,  # the unique constraint's index leads with it
    )
    destination_id = models.PositiveBigIntegerField(_("配信先"))
    status = models.PositiveSmallIntegerField(_("状態"), choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("送信回数"), default=0)
    # A worker's claim on the row: others leave it until then (an expired lease is free).
    lease_until = models.DateTimeField(_("処理期限"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    # The SMTP reply of a failure (or why a row was skipped); empty while all goes well.
    reply = models.CharField(_("応答"), max_length=300, blank=True)
    # What came back after sending (a bounce, a complaint, the one-click unsubscribe).
    event = models.PositiveSmallIntegerField(
        _("送信後の出来事"), choices=Event.choices, default=Event.NONE
    )

    class Meta:
        verbose_name = _("工事・故障情報メールの配信")
        verbose_name_plural = _("工事・故障情報メールの配信")
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "destination_id"], name="delivery_once_per_destination"
            ),
        ]
        indexes = [
            # Workers take the waiting rows of a publication in id order.
            models.Index(
                fields=["publication", "id"],
                condition=Q(status=0),
                name="delivery_waiting",
            ),
            models.Index(fields=["publication"], condition=NOTABLE, name="delivery_notable"),
        ]

    def __str__(self) -> str:
        return f"{self.publication_id}→{self.destination_id} {self.get_status_display()}"


class Mailing(models.Model):
    """The fan-out of one publication: its state, and what the progress page reads."""

    class State(models.TextChoices):
        SELECTING = "selecting", _("対象を選択中")
        SENDING = "sending", _("送信中")
        PAUSED = "paused", _("一時停止中")
        FINISHED = "finished", _("完了")

    publication = models.OneToOneField(
        Publication,
        verbose_name=_("配信契機"),
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="mailing",
    )
    state = models.CharField(_("状態"), max_length=12, choices=State, default=State.SELECTING)
    selected = models.PositiveIntegerField(_("配信対象"), default=0)
    selection_seconds = models.FloatField(_("選択にかかった秒数"), null=True, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    started_at = models.DateTimeField(_("送信開始日時"), null=True, blank=True)
    finished_at = models.DateTimeField(_("送信完了日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("工事・故障情報メールの送信")
        verbose_name_plural = _("工事・故障情報メールの送信")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(self.publication)


class Progress(models.Model):
    """One batch a worker finished: the progress page's chart adds them up per second."""

    mailing = models.ForeignKey(
        Mailing, verbose_name=_("送信"), on_delete=models.CASCADE, related_name="progress"
    )
    at = models.DateTimeField(_("日時"))
    sent = models.PositiveIntegerField(_("送信済み"), default=0)
    failed = models.PositiveIntegerField(_("送信失敗"), default=0)
    skipped = models.PositiveIntegerField(_("送信対象外"), default=0)

    class Meta:
        verbose_name = _("送信の進み具合")
        verbose_name_plural = _("送信の進み具合")
        indexes = [models.Index(fields=["mailing", "at"], name="delivery_progress_at")]

    def __str__(self) -> str:
        return f"{self.mailing_id} {self.at:%H:%M:%S} {self.sent}"


class Bounce(models.Model):
    """A bounce, complaint or auto-reply received for a mail the portal sent.

    ``fingerprint`` is unique: the same report received twice (by the SMTP endpoint and the
    webhook, or redelivered by the relay) is recorded, and counted, once.
    """

    class Kind(models.TextChoices):
        HARD = "hard", _("恒久的な不達")
        SOFT = "soft", _("一時的な不達")
        COMPLAINT = "complaint", _("迷惑メール報告")
        AUTO_REPLY = "auto_reply", _("自動応答")

    class Source(models.TextChoices):
        SMTP = "smtp", _("SMTP")
        WEBHOOK = "webhook", _("Webhook")

    received_at = models.DateTimeField(_("受信日時"), auto_now_add=True, db_index=True)
    source = models.CharField(_("受信経路"), max_length=10, choices=Source)
    kind = models.CharField(_("種類"), max_length=12, choices=Kind)
    delivery = models.ForeignKey(
        Delivery,
        verbose_name=_("配信"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bounces",
    )
    mail = models.ForeignKey(
        Mail,
        verbose_name=_("送信メール"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bounces",
    )
    destination_id = models.PositiveBigIntegerField(_("配信先"), null=True, blank=True)
    recipient = models.EmailField(_("宛先"), max_length=320, blank=True)
    status_code = models.CharField(_("状態コード"), max_length=12, blank=True)
    diagnostic = models.CharField(_("診断"), max_length=300, blank=True)
    fingerprint = models.CharField(_("識別子"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("不達・苦情")
        verbose_name_plural = _("不達・苦情")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["destination_id", "received_at"], name="bounce_destination"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.recipient}"
