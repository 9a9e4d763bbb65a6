"""Back office: the applications queue, read part (B1, X3).

``work`` is never shown: it holds what the work needs that is not for display, such as the
network credential's RADIUS hash.
"""

import re

from django.contrib import admin

from madoguchi.applications.models import Application
from madoguchi.backoffice.site import backoffice_site

NUMBER_RE = re.compile(r"^[Aa]?(\d{1,12})$")


@admin.register(Application, site=backoffice_site)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "customer_number",
        "kind",
        "status",
        "submitted_at",
        "submitted_by",
        "attempts",
        "mail_sent_at",
    ]
    list_filter = ["kind", "status"]
    date_hierarchy = "submitted_at"
    list_select_related = ["contract", "submitted_by"]
    search_fields = ["contract__customer_number"]
    search_help_text = "お申込み番号（A00000001）またはお客様番号で検索できます。"
    fieldsets = [
        ("お申込み", {"fields": ["number", "contract", "kind", "status"]}),
        ("内容", {"fields": ["before", "after"]}),
        ("受付", {"fields": ["submitted_by", "submitted_at", "submitted_ip"]}),
        (
            "処理",
            {"fields": ["attempts", "lease_expires_at", "finished_at", "failure_reason"]},
        ),
        ("受付メール", {"fields": ["mail_to", "mail_sent_at"]}),
    ]
    readonly_fields = [
        "number",
        "contract",
        "kind",
        "status",
        "before",
        "after",
        "submitted_by",
        "submitted_at",
        "submitted_ip",
        "attempts",
        "lease_expires_at",
        "finished_at",
        "failure_reason",
        "mail_to",
        "mail_sent_at",
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("contract", "submitted_by")
        return queryset.defer("work")  # never loaded, never shown

    @admin.display(description="お申込み番号", ordering="pk")
    def number(self, obj):
        return obj.number

    @admin.display(description="お客様番号", ordering="contract__customer_number")
    def customer_number(self, obj):
        return obj.contract.customer_number

    def get_search_results(self, request, queryset, search_term):
        """An application number (A00000012, or just 12) finds that application."""
        match = NUMBER_RE.fullmatch(search_term.strip())
        if match:
            by_number = queryset.filter(pk=int(match.group(1)))
            results, duplicates = super().get_search_results(request, queryset, search_term)
            return results | by_number, duplicates
        return super().get_search_results(request, queryset, search_term)

    # Processing and failing by hand come later (B1); for now the queue is read only.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
