"""Back office: the outbox (送信メール) — every mail the portal sent or will send, read only."""

from django.contrib import admin
from django.utils.html import format_html

from madoguchi.backoffice.site import BackofficeAdmin, ReadOnlyAdminMixin, backoffice_site
from madoguchi.lib.emails import render_email
from madoguchi.outbox.models import Mail
from madoguchi.outbox.services import masked_context


@admin.register(Mail, site=backoffice_site)
class MailAdmin(ReadOnlyAdminMixin, BackofficeAdmin):
    list_display = ["created_at", "to", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "template"]
    date_hierarchy = "created_at"
    search_fields = ["to", "reference", "subject", "message_id"]
    search_help_text = "宛先・件名・関連（お申込み番号など）・Message-IDで検索できます。"
    fields = [
        "created_at",
        "to",
        "subject",
        "reference",
        "status",
        "attempts",
        "not_before",
        "sent_at",
        "last_reply",
        "message_id",
        "body",
    ]
    readonly_fields = fields

    @admin.display(description="本文")
    def body(self, obj):
        # A mailed link's single-use token is not shown (masked_context).
        text = render_email(obj.template, masked_context(obj.context))[1]
        return format_html("<pre>{}</pre>", text)
