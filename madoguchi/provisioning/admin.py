"""Back office: what is published to FreeRADIUS (P1), the mail system (P2) and billing (P3).

Read only, hashes masked: only their scheme is shown, never the value.
"""

import re

from django.contrib import admin
from django.db.models import Count

from madoguchi.backoffice.site import BackofficeAdmin, ReadOnlyAdminMixin, backoffice_site
from madoguchi.provisioning.models import BillingChange, RadCheck, VirtualDomain, VirtualUser

SCHEMES = {"6": "SHA-512-crypt", "5": "SHA-256-crypt", "1": "MD5-crypt"}
DOVECOT_SCHEME_RE = re.compile(r"^\{([A-Z0-9][A-Z0-9.-]{0,31})\}")


@admin.register(RadCheck, site=backoffice_site)
class RadCheckAdmin(ReadOnlyAdminMixin, BackofficeAdmin):
    list_display = ["username", "attribute", "op"]
    list_filter = ["attribute"]
    search_fields = ["username"]
    fields = ["username", "attribute", "op", "masked_value"]
    readonly_fields = fields

    @admin.display(description="値")
    def masked_value(self, obj):
        """Only the hash scheme: the hash itself stays in the database."""
        scheme = obj.value.split("$")[1] if obj.value.startswith("$") else ""
        name = SCHEMES.get(scheme, "不明な形式")
        return f"{name} のハッシュ（非表示）"


@admin.register(VirtualDomain, site=backoffice_site)
class VirtualDomainAdmin(ReadOnlyAdminMixin, BackofficeAdmin):
    list_display = ["name", "mailbox_count"]
    search_fields = ["name"]
    fields = ["name", "mailbox_count"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(mailboxes=Count("users"))

    @admin.display(description="メールボックス数", ordering="mailboxes")
    def mailbox_count(self, obj):
        return obj.mailboxes


@admin.register(VirtualUser, site=backoffice_site)
class VirtualUserAdmin(ReadOnlyAdminMixin, BackofficeAdmin):
    """The mailboxes Postfix/Dovecot read (P2); the password hash stays in the database."""

    list_display = ["email", "domain", "virus_check", "active", "masked_password"]
    list_filter = ["virus_check", "active", "domain"]
    list_select_related = ["domain"]
    search_fields = ["email"]
    fields = ["email", "domain", "maildir", "virus_check", "active", "masked_password"]
    readonly_fields = fields

    @admin.display(description="パスワード")
    def masked_password(self, obj):
        """Only the Dovecot scheme prefix, e.g. 「{ARGON2ID} のハッシュ（非表示）」."""
        match = DOVECOT_SCHEME_RE.match(obj.password)
        if match is None:
            return "不明な形式のハッシュ（非表示）"
        return f"{{{match.group(1)}}} のハッシュ（非表示）"


@admin.register(BillingChange, site=backoffice_site)
class BillingChangeAdmin(ReadOnlyAdminMixin, BackofficeAdmin):
    """Completed billing changes as the billing system reads them (P3)."""

    list_display = ["changed_at", "application_number", "customer_number", "kind"]
    list_filter = ["kind"]
    search_fields = ["application_number", "customer_number"]
    date_hierarchy = "changed_at"
    fields = ["application_number", "customer_number", "kind", "values", "changed_at"]
    readonly_fields = fields
