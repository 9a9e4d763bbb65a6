from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.applications.models import Application

CANCELLATION = "cancellation"


class CancellationChoice(models.Model):
    """A choice of one of the three drop-downs of the cancellation form (D5.1).

    Operators edit them in the back office. An application keeps the label it was given
    (a copy in its values), so a choice renamed or deactivated later changes no stored
    application; choices are deactivated, never deleted.
    """

    class Item(models.TextChoices):
        REASON = "reason", _("廃止理由")
        REASON_DETAIL = "reason_detail", _("廃止理由詳細")
        MIGRATION_REASON = "migration_reason", _("移行理由")

    item = models.CharField(_("項目"), max_length=20, choices=Item)
    label = models.CharField(_("表示名"), max_length=100)
    order = models.PositiveIntegerField(_("表示順"), default=0)
    active = models.BooleanField(
        _("選択肢に表示する"),
        default=True,
        help_text=_("外すと、新しいお申込みでは選べなくなります。"),
    )

    class Meta:
        verbose_name = _("廃止申込みの選択肢")
        verbose_name_plural = _("廃止申込みの選択肢")
        ordering = ["item", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "label"], name="cancellation_choice_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_item_display()}：{self.label}"


class ScheduledCancellationManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(kind=CANCELLATION)


class ScheduledCancellation(Application):
    """The cancellation applications, as operators list them by date (D5.3)."""

    objects = ScheduledCancellationManager()

    class Meta:
        proxy = True
        verbose_name = _("廃止予定")
        verbose_name_plural = _("廃止予定")
        ordering = ["not_before", "id"]
