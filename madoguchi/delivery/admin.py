"""Back office of 工事・故障情報メール delivery (S4, B2)."""

from django.contrib import admin

from madoguchi.backoffice.site import BackofficeAdmin, ReadOnlyAdminMixin, backoffice_site
from madoguchi.delivery.models import Bounce

# --- bounces


@admin.register(Bounce, site=backoffice_site)
class BounceAdmin(ReadOnlyAdminMixin, BackofficeAdmin):
    """不達・苦情: every bounce, complaint and auto-reply received, read only (受付 and up)."""

    list_display = ["received_at", "kind", "recipient", "status_code", "diagnostic", "source"]
    list_filter = ["kind", "source"]
    date_hierarchy = "received_at"
    search_fields = ["recipient", "status_code"]
    search_help_text = "宛先のメールアドレスまたは状態コード（例：5.1.1）で検索できます。"
    fields = [
        "received_at",
        "kind",
        "recipient",
        "status_code",
        "diagnostic",
        "source",
        "delivery",
        "mail",
        "destination_id",
    ]
    readonly_fields = fields
