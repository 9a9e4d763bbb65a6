"""Back office: the audit log (X7), read only."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from madoguchi.audit.models import AuditEntry
from madoguchi.backoffice.site import ReadOnlyAdminMixin, backoffice_site


@admin.register(AuditEntry, site=backoffice_site)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "actor_name", "action", "contract", "target", "ip_address"]
    list_filter = ["action", "created_at"]
    date_hierarchy = "created_at"
    list_select_related = ["contract"]
    search_fields = ["actor_name", "contract__customer_number", "contract__name", "target"]
    search_help_text = "実行者・お客様番号・お名前・対象で検索できます。"
    fields = [
        "created_at",
        "actor_name",
        "action",
        "contract",
        "target",
        "changes",
        "ip_address",
    ]
    readonly_fields = fields

    @admin.display(description="変更内容")
    def changes(self, obj):
        names = list(dict.fromkeys([*obj.before, *obj.after]))
        if not names:
            return "-"
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td><td>{}</td></tr>",
            (
                (name, _show(obj.before.get(name, "")), _show(obj.after.get(name, "")))
                for name in names
            ),
        )
        return format_html(
            "<table><thead><tr><th>項目</th><th>変更前</th><th>変更後</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            rows,
        )


def _show(value) -> str:
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    return str(value)
