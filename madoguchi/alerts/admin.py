"""Back office of 工事・故障情報メール (S2, S3): the support IDs with their settings in words
and their destinations, and each destination with an operator's 配信停止 / 配信再開 (受付 and
up, ``backoffice.change_delivery``).

Support IDs are read only: every role reads them; nobody adds, edits or deletes one here
(退会 is the customer's own). No page shows a password hash, a mailed link's token or the
login's internal username: only the fields listed are read. 配信停止 and 配信再開 go through
``alerts.services`` (the row locked, one audit row each, X7); a destination that is not in
the state the operation needs is left as it is and counted apart. The support IDs' pages
live here, not in ``supportid``, so that app knows nothing of the mail settings.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from madoguchi.alerts import services
from madoguchi.alerts.display import describe, destination_status
from madoguchi.alerts.models import Destination
from madoguchi.audit.services import client_ip
from madoguchi.backoffice.roles import CHANGE_DELIVERY
from madoguchi.backoffice.site import BackofficeAdmin, ReadOnlyAdminMixin, backoffice_site
from madoguchi.lib.dates import format_date, format_datetime
from madoguchi.supportid.models import SupportAccount


def suspend(request, destinations) -> tuple[int, int]:
    """配信停止 by an operator; (changed, left as they were: not 有効)."""
    changed = sum(
        services.suspend_destination(
            destination,
            reason=Destination.Reason.OPERATOR,
            actor=request.user,
            ip=client_ip(request),
        )
        for destination in destinations
    )
    return changed, len(destinations) - changed


def resume(request, destinations) -> tuple[int, int]:
    """配信再開 by an operator; (changed, left as they were: not 配信停止)."""
    changed = sum(
        services.resume_destination(destination, actor=request.user, ip=client_ip(request))
        for destination in destinations
    )
    return changed, len(destinations) - changed


# The columns of a destination, on its page and in a support ID's inline.
DESTINATION_FIELDS = [
    "slot",
    "address",
    "state",
    "reason",
    "created",
    "confirmed",
    "suspended",
    "maintenance_stopped",
    "outage_stopped",
]


class DestinationColumns:
    """A destination's columns, in its list and page and in a support ID's inline."""

    @admin.display(description="状態", ordering="status")
    def state(self, obj):
        return destination_status(obj)

    @admin.display(description="配信停止の理由", ordering="suspension_reason")
    def reason(self, obj):
        return obj.get_suspension_reason_display() or "-"

    @admin.display(description="登録日時", ordering="created_at")
    def created(self, obj):
        return format_datetime(obj.created_at)

    @admin.display(description="本登録日時", ordering="confirmed_at")
    def confirmed(self, obj):
        return format_datetime(obj.confirmed_at) if obj.confirmed_at else "-"

    @admin.display(description="配信停止日時", ordering="suspended_at")
    def suspended(self, obj):
        return format_datetime(obj.suspended_at) if obj.suspended_at else "-"

    # One-click unsubscribe (RFC 8058) from a mail stops one kind only (S4).
    @admin.display(description="工事情報の配信停止日時", ordering="maintenance_stopped_at")
    def maintenance_stopped(self, obj):
        return format_datetime(obj.maintenance_stopped_at) if obj.maintenance_stopped_at else "-"

    @admin.display(description="故障情報の配信停止日時", ordering="outage_stopped_at")
    def outage_stopped(self, obj):
        return format_datetime(obj.outage_stopped_at) if obj.outage_stopped_at else "-"


@admin.register(Destination, site=backoffice_site)
class DestinationAdmin(DestinationColumns, ReadOnlyAdminMixin, BackofficeAdmin):
    change_form_template = "alerts/admin/destination_change_form.html"
    list_display = [
        "address",
        "support_id",
        "state",
        "reason",
        "suspended",
        "maintenance_stopped",
        "outage_stopped",
    ]
    list_filter = ["status", "suspension_reason"]
    list_select_related = ["account"]
    search_fields = ["address", "account__email"]
    search_help_text = "配信先またはお客さまサポートIDのメールアドレスで検索できます。"
    actions = ["suspend_selected", "resume_selected"]
    fields = ["support_id", *DESTINATION_FIELDS]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account")

    @admin.display(description="お客さまサポートID", ordering="account__email")
    def support_id(self, obj):
        url = reverse(
            "admin:supportid_supportaccount_change",
            args=[obj.account_id],
            current_app=self.admin_site.name,
        )
        return format_html('<a href="{}">{}</a>', url, obj.account.email)

    # --- 配信停止 / 配信再開 (受付 and up) ---------------------------------------------------

    def has_delivery_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(CHANGE_DELIVERY)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["may_change_delivery"] = self.has_delivery_permission(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _report_suspended(self, request, changed: int, skipped: int) -> None:
        if changed:
            self.message_user(
                request, f"{changed}件の配信先を配信停止にしました。", messages.SUCCESS
            )
        if skipped:
            self.message_user(
                request,
                f"{skipped}件は有効な配信先ではないため、変更していません。",
                messages.WARNING,
            )

    def _report_resumed(self, request, changed: int, skipped: int) -> None:
        if changed:
            self.message_user(
                request, f"{changed}件の配信先の配信を再開しました。", messages.SUCCESS
            )
        if skipped:
            self.message_user(
                request,
                f"{skipped}件は配信停止中ではないため、変更していません。",
                messages.WARNING,
            )

    @admin.action(description="選択した配信先を配信停止にする", permissions=["delivery"])
    def suspend_selected(self, request, queryset):
        self._report_suspended(request, *suspend(request, list(queryset)))

    @admin.action(description="選択した配信先の配信を再開する", permissions=["delivery"])
    def resume_selected(self, request, queryset):
        self._report_resumed(request, *resume(request, list(queryset)))

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                f"<path:object_id>/{action}/",
                self.admin_site.admin_view(view),
                name="{}_{}_{}".format(*info, action),
            )
            for action, view in (("suspend", self.suspend_view), ("resume", self.resume_view))
        ] + super().get_urls()

    def _delivery_object(self, request, object_id) -> Destination:
        destination = self.get_object(request, unquote(object_id))
        if destination is None:
            raise Http404("配信先が見つかりません。")
        if not self.has_delivery_permission(request, destination):
            raise PermissionDenied
        return destination

    def _change_page(self, destination) -> HttpResponseRedirect:
        return HttpResponseRedirect(
            reverse(
                "admin:alerts_destination_change",
                args=[destination.pk],
                current_app=self.admin_site.name,
            )
        )

    @method_decorator(require_POST)
    def suspend_view(self, request, object_id):
        """The 「配信停止」 button of a destination's page."""
        destination = self._delivery_object(request, object_id)
        self._report_suspended(request, *suspend(request, [destination]))
        return self._change_page(destination)

    @method_decorator(require_POST)
    def resume_view(self, request, object_id):
        """The 「配信再開」 button of a destination's page."""
        destination = self._delivery_object(request, object_id)
        self._report_resumed(request, *resume(request, [destination]))
        return self._change_page(destination)


# --- お客さまサポートID (S2) with its settings and destinations ------------------------------


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


class DestinationInline(DestinationColumns, admin.TabularInline):
    """The ID's destinations, read only; each links to its page (配信停止・配信再開)."""

    model = Destination
    fields = DESTINATION_FIELDS
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
