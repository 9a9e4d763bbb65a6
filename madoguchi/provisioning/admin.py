"""Back office: what is published to FreeRADIUS (P1), read only, hashes masked."""

from django.contrib import admin

from madoguchi.backoffice.site import backoffice_site
from madoguchi.provisioning.models import RadCheck

SCHEMES = {"6": "SHA-512-crypt", "5": "SHA-256-crypt", "1": "MD5-crypt"}


@admin.register(RadCheck, site=backoffice_site)
class RadCheckAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
