"""Back office: mail accounts (D4, B1), read only — every change goes through an application.

The mailbox order of an application is shown on the application's page; its mail password
hash never is.
"""

from django.contrib import admin
from django.db.models import Exists, OuterRef, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils.html import format_html

from madoguchi.applications.admin import ApplicationAdmin
from madoguchi.applications.registry import REMOVED, UNCHANGED
from madoguchi.backoffice.site import BackofficeAdmin, ReadOnlyAdminMixin, backoffice_site
from madoguchi.mailboxes.models import AccountName, Mailbox, MailboxOrder
from madoguchi.mailboxes.services import MAILBOX_KINDS, virus_label


def contract_link(admin_site, contract) -> str:
    url = reverse(
        "admin:contracts_contract_change", args=[contract.pk], current_app=admin_site.name
    )
    return format_html('<a href="{}">{}</a>', url, contract.customer_number)


@admin.register(Mailbox, site=backoffice_site)
class MailboxAdmin(ReadOnlyAdminMixin, BackofficeAdmin):
    list_display = ["customer_number", "contract_name", "slot_label", "address", "virus_check"]
    list_filter = ["virus_check", "host"]
    list_select_related = ["contract"]
    search_fields = ["full_address", "contract__customer_number"]
    search_help_text = "メールアドレス（その一部）またはお客様番号で検索できます。"
    ordering = ["contract__customer_number", "slot"]
    fields = [
        "customer_number",
        "contract_name",
        "slot_label",
        "address",
        "virus_check",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("contract")
        return queryset.annotate(full_address=Concat("account", Value("@"), "host"))

    @admin.display(description="お客様番号", ordering="contract__customer_number")
    def customer_number(self, obj):
        return contract_link(self.admin_site, obj.contract)

    @admin.display(description="ご契約者", ordering="contract__name")
    def contract_name(self, obj):
        return obj.contract.name

    @admin.display(description="No.", ordering="slot")
    def slot_label(self, obj):
        return f"{obj.slot:02d}"

    @admin.display(description="メールアカウント", ordering="full_address")
    def address(self, obj):
        return obj.address


class MailboxOrderInline(ReadOnlyAdminMixin, admin.TabularInline):
    """What a mailbox application asks for, on the application's page (never the hash)."""

    model = MailboxOrder
    fk_name = "application"
    can_delete = False
    extra = 0
    verbose_name_plural = "メールアカウントのお申込み内容"
    fields = ["slot_label", "action", "new_account", "new_virus_check", "is_pending"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("password_hash")  # never loaded

    def has_view_permission(self, request, obj=None):
        # Only mailbox applications have an order: others show no empty table.
        if obj is not None and obj.kind not in MAILBOX_KINDS:
            return False
        return super().has_view_permission(request, obj)

    @admin.display(description="No.")
    def slot_label(self, obj):
        return f"{obj.slot:02d}"

    @admin.display(description="新しいメールアカウント")
    def new_account(self, obj):
        if obj.action == MailboxOrder.Action.DELETE:
            return REMOVED
        return obj.account or UNCHANGED

    @admin.display(description="新しいウィルスチェックサービス")
    def new_virus_check(self, obj):
        if obj.action == MailboxOrder.Action.DELETE:
            return REMOVED
        return UNCHANGED if obj.virus_check is None else virus_label(obj.virus_check)

    @admin.display(description="処理待ち", boolean=True)
    def is_pending(self, obj):
        return obj.pending


ApplicationAdmin.add_inline(MailboxOrderInline)


@admin.register(AccountName, site=backoffice_site)
class AccountNameAdmin(ReadOnlyAdminMixin, BackofficeAdmin):
    """Every account name in use (D4.9): by a mailbox, or held by a pending application."""

    list_display = ["name", "used_by", "reserved_at"]
    search_fields = ["name"]
    search_help_text = "アカウント名（その一部）で検索できます。"
    fields = ["name", "used_by", "reserved_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(in_mailbox=Exists(Mailbox.objects.filter(account=OuterRef("name"))))
        )

    @admin.display(description="使用元")
    def used_by(self, obj):
        return "メールアカウント" if obj.in_mailbox else "お申込み中"
