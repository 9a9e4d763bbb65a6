"""Back office: mails caught by the local SMTP catcher, decoded for reading."""

from django.contrib import admin
from django.utils.html import format_html

from madoguchi.backoffice.site import BackofficeAdmin, ReadOnlyAdminMixin, backoffice_site
from madoguchi.mailcatcher.models import CaughtMail


@admin.register(CaughtMail, site=backoffice_site)
class CaughtMailAdmin(ReadOnlyAdminMixin, BackofficeAdmin):
    list_display = ["received_at", "mail_from", "recipients", "subject"]
    date_hierarchy = "received_at"
    search_fields = ["subject", "mail_from"]
    fields = [
        "received_at",
        "mail_from",
        "recipients",
        "header_from",
        "header_to",
        "header_reply_to",
        "subject",
        "body",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        match = request.resolver_match
        if match is not None and match.url_name.endswith("_changelist"):
            return queryset.defer("raw")  # the list shows no body
        return queryset

    @admin.display(description="エンベロープ宛先")
    def recipients(self, obj):
        return ", ".join(obj.rcpt_to)

    @admin.display(description="差出人 (From)")
    def header_from(self, obj):
        return str(obj.message().get("From", ""))

    @admin.display(description="宛先 (To)")
    def header_to(self, obj):
        return str(obj.message().get("To", ""))

    @admin.display(description="返信先 (Reply-To)")
    def header_reply_to(self, obj):
        return str(obj.message().get("Reply-To", "")) or "-"

    @admin.display(description="本文")
    def body(self, obj):
        return format_html("<pre>{}</pre>", obj.text_body())
