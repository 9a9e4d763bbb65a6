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


class Delivery(models.Model):
    class Status(models.IntegerChoices):
        PENDING = 0, _("送信待ち")
        SENT = 1, _("送信済み")
        FAILED = 2, _("送信失敗")
        SKIPPED = 3, _("送信対象外")

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
        ]

    def __str__(self) -> str:
        return f"{self.publication_id}→{self.destination_id} {self.get_status_display()}"
