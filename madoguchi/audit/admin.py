"""Back office: the audit log (X7), read only."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from madoguchi.audit.labels import action_label
from madoguchi.audit.models import AuditEntry
from madoguchi.backoffice.site import BackofficeAdmin, ReadOnlyAdminMixin, backoffice_site


class ActionFilter(admin.SimpleListFilter):
    """By operation, with the operations' Japanese labels; the stored code is the value."""

    title = "操作"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        codes = AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
        return [(code, action_label(code)) for code in codes]

    def queryset(self, request, queryset):
        if self.value() is not None:
            return queryset.filter(action=self.value())
        return queryset


@admin.register(AuditEntry, site=backoffice_site)
class AuditEntryAdmin(ReadOnlyAdminMixin, BackofficeAdmin):
    list_display = [
        "created_at",
        "actor_display",
        "operation",
        "contract",
        "target_name",
        "ip_address",
    ]
    list_filter = [ActionFilter, "created_at"]
    date_hierarchy = "created_at"
    list_select_related = ["contract"]
    search_fields = ["actor_name", "contract__customer_number", "contract__name", "target"]
    search_help_text = "実行者・お客様番号・お名前・対象で検索できます。"
    fields = [
        "created_at",
        "actor_name",
        "operation_with_code",
        "contract",
        "target",
        "changes",
        "ip_address",
    ]
    readonly_fields = fields

    @admin.display(description="実行者名", ordering="actor_name")
    def actor_display(self, obj):
        return _breakable(obj.actor_name)

    @admin.display(description="対象", ordering="target")
    def target_name(self, obj):
        return _breakable(obj.target)

    @admin.display(description="操作", ordering="action")
    def operation(self, obj):
        return action_label(obj.action)

    @admin.display(description="操作")
    def operation_with_code(self, obj):
        label = action_label(obj.action)
        return label if label == obj.action else f"{label}（{obj.action}）"

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


def _breakable(name: str) -> str:
    """A login ID may break before its realm (``demo0001@<wbr>biz…``): the list stays narrow."""
    local, at, domain = name.partition("@")
    if not at:
        return name or "-"
    return format_html("{}<wbr>@{}", local, domain)


def _show(value) -> str:
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    return str(value)
