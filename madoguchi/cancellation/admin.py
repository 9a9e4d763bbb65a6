"""Back office: the cancellation drop-downs' choices (D5.1) and scheduled cancellations by
date (D5.3). A cancellation is acted on from its application's page (B1)."""

from datetime import date

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from madoguchi.backoffice.site import BackofficeAdmin, ReadOnlyAdminMixin, backoffice_site
from madoguchi.cancellation.models import CancellationChoice, ScheduledCancellation
from madoguchi.lib.dates import format_date, format_datetime


@admin.register(CancellationChoice, site=backoffice_site)
class CancellationChoiceAdmin(BackofficeAdmin):
    """管理者 edit the choices; a choice no longer offered is unticked, never deleted (the
    applications keep the label they were given)."""

    list_display = ["label", "item", "order", "active"]
    list_editable = ["order", "active"]
    list_filter = ["item", "active"]
    ordering = ["item", "order", "id"]
    fields = ["item", "label", "order", "active"]

    def has_delete_permission(self, request, obj=None):
        return False


class ScheduleFilter(admin.SimpleListFilter):
    title = "廃止処理"
    parameter_name = "schedule"

    def lookups(self, request, model_admin):
        return [("pending", "未処理（廃止予定）"), ("finished", "終了")]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.filter(status__in=ScheduledCancellation.IN_PROGRESS)
        if self.value() == "finished":
            return queryset.filter(status__in=ScheduledCancellation.FINISHED)
        return queryset


@admin.register(ScheduledCancellation, site=backoffice_site)
class ScheduledCancellationAdmin(ReadOnlyAdminMixin, BackofficeAdmin):
    """Every cancellation by its date, soonest first, with its reasons and contact."""

    list_display = [
        "cancellation_date",
        "number",
        "customer_number",
        "contract_name",
        "status",
        "reasons",
        "contact",
    ]
    list_filter = [ScheduleFilter, "status"]
    date_hierarchy = "not_before"
    list_select_related = ["contract"]
    search_fields = ["contract__customer_number", "contract__name"]
    search_help_text = "お客様番号またはお名前で検索できます。"
    ordering = ["not_before", "id"]
    fields = [
        "cancellation_date",
        "due",
        "number",
        "customer_number",
        "contract_name",
        "status",
        "reasons",
        "contact",
        "submitted_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("work")

    @admin.display(description="廃止日", ordering="not_before")
    def cancellation_date(self, obj):
        value = obj.after.get("date")
        return format_date(date.fromisoformat(value)) if value else "-"

    @admin.display(description="処理予定日時", ordering="not_before")
    def due(self, obj):
        return format_datetime(obj.not_before)

    @admin.display(description="お申込み番号", ordering="pk")
    def number(self, obj):
        url = reverse(
            "admin:applications_application_change", args=[obj.pk], current_app=self.admin_site.name
        )
        return format_html('<a href="{}">{}</a>', url, obj.number)

    @admin.display(description="お客様番号", ordering="contract__customer_number")
    def customer_number(self, obj):
        url = reverse(
            "admin:contracts_contract_change",
            args=[obj.contract_id],
            current_app=self.admin_site.name,
        )
        return format_html('<a href="{}">{}</a>', url, obj.contract.customer_number)

    @admin.display(description="ご契約者", ordering="contract__name")
    def contract_name(self, obj):
        return obj.contract.name

    @admin.display(description="廃止理由・廃止理由詳細・移行理由")
    def reasons(self, obj):
        after = obj.after
        return format_html(
            "{}<br>{}<br>{}",
            after.get("reason", ""),
            after.get("reason_detail", ""),
            after.get("migration_reason", ""),
        )

    @admin.display(description="連絡先")
    def contact(self, obj):
        after = obj.after
        return format_html(
            "{} {}<br>{}<br>{}",
            after.get("contact_department", ""),
            after.get("contact_name", ""),
            after.get("contact_phone", ""),
            after.get("contact_email", ""),
        )
