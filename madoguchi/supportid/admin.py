"""Back office: お客さまサポートID (S2) — the list and each ID read only, with its
工事・故障情報メール settings in words and its destinations (S3).

Every role reads support IDs; nobody adds, edits or deletes one here (退会 is the
customer's own). The page never shows the password hash, a mailed link's token or the
login's internal username: only the fields listed below are read.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count
from django.utils import timezone

from madoguchi.alerts.display import describe, destination_status
from madoguchi.alerts.models import Destination
from madoguchi.backoffice.site import BackofficeAdmin, ReadOnlyAdminMixin, backoffice_site
from madoguchi.lib.dates import format_date, format_datetime
from madoguchi.supportid.models import SupportAccount

CONFIRMED = "本登録済"
PENDING = "仮登録"
EXPIRED = "仮登録（確認期限切れ）"
NOT_SET = "未設定"


def account_status(account: SupportAccount, now=None) -> str:
    """本登録済, 仮登録, or 仮登録（確認期限切れ） once the mailed link can no longer confirm it."""
    if account.confirmed_at is not None:
        return CONFIRMED
    lifetime = timedelta(hours=settings.SUPPORT_ID_CONFIRM_HOURS)
    if account.created_at + lifetime <= (now or timezone.now()):
        return EXPIRED
    return PENDING


class StatusFilter(admin.SimpleListFilter):
    title = "状態"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("confirmed", CONFIRMED), ("pending", PENDING)]

    def queryset(self, request, queryset):
        if self.value() == "confirmed":
            return queryset.filter(confirmed_at__isnull=False)
        if self.value() == "pending":
            return queryset.filter(confirmed_at__isnull=True)
        return queryset


class DestinationInline(admin.TabularInline):
    """The ID's destinations, read only; each links to its page (配信停止・配信再開)."""

    model = Destination
    fields = ["slot", "address", "state", "reason", "created", "confirmed", "suspended"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="状態")
    def state(self, obj):
        return destination_status(obj)

    @admin.display(description="配信停止の理由")
    def reason(self, obj):
        return obj.get_suspension_reason_display() or "-"

    @admin.display(description="登録日時")
    def created(self, obj):
        return format_datetime(obj.created_at)

    @admin.display(description="本登録日時")
    def confirmed(self, obj):
        return format_datetime(obj.confirmed_at) if obj.confirmed_at else "-"

    @admin.display(description="配信停止日時")
    def suspended(self, obj):
        return format_datetime(obj.suspended_at) if obj.suspended_at else "-"


@admin.register(SupportAccount, site=backoffice_site)
class SupportAccountAdmin(ReadOnlyAdminMixin, BackofficeAdmin):
    list_display = [
        "email",
        "name",
        "status",
        "registered",
        "confirmed",
        "destination_count",
    ]
    list_filter = [StatusFilter]
    search_fields = ["email", "destinations__address"]
    search_help_text = "メールアドレス（ログイン用・配信先）で検索できます。"
    fieldsets = [
        ("お客さまサポートID", {"fields": ["email", "name", "birth", "status"]}),
        ("記録", {"fields": ["registered", "confirmed"]}),
        (
            "工事・故障情報メールの設定",
            {"fields": ["alert_products", "alert_kinds", "alert_window", "alert_updated"]},
        ),
    ]
    readonly_fields = [
        "email",
        "name",
        "birth",
        "status",
        "registered",
        "confirmed",
        "alert_products",
        "alert_kinds",
        "alert_window",
        "alert_updated",
    ]
    inlines = [DestinationInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(destinations_count=Count("destinations"))

    @admin.display(description="状態")
    def status(self, obj):
        return account_status(obj)

    @admin.display(description="生年月日", ordering="birth_date")
    def birth(self, obj):
        return format_date(obj.birth_date)

    @admin.display(description="登録日時", ordering="created_at")
    def registered(self, obj):
        return format_datetime(obj.created_at)

    @admin.display(description="本登録日時", ordering="confirmed_at")
    def confirmed(self, obj):
        return format_datetime(obj.confirmed_at) if obj.confirmed_at else "-"

    @admin.display(description="配信先の数", ordering="destinations_count")
    def destination_count(self, obj):
        return obj.destinations_count

    # --- 工事・故障情報メールの設定 (S3), in words --------------------------------------------

    def _settings_in_words(self, obj):
        """The settings in words, read once per page (None: the ID has none yet)."""
        if not hasattr(obj, "_settings_in_words"):
            try:
                obj._settings_in_words = describe(obj.alert_settings)
            except ObjectDoesNotExist:
                obj._settings_in_words = None
        return obj._settings_in_words

    @admin.display(description="配信する商品")
    def alert_products(self, obj):
        words = self._settings_in_words(obj)
        return words.products if words else NOT_SET

    @admin.display(description="配信する情報")
    def alert_kinds(self, obj):
        words = self._settings_in_words(obj)
        return words.kinds if words else NOT_SET

    @admin.display(description="配信する曜日・時間帯")
    def alert_window(self, obj):
        words = self._settings_in_words(obj)
        return words.window if words else NOT_SET

    @admin.display(description="設定の更新日時")
    def alert_updated(self, obj):
        if self._settings_in_words(obj) is None:
            return NOT_SET
        return format_datetime(obj.alert_settings.updated_at)
