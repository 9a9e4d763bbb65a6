"""Back office: お問い合わせ (S5) — the queue, an inquiry read only, and the operators'
handling: status and assignee, internal notes, and the reply mailed to the customer.

Every role reads inquiries; handling needs ``inquiries.handle_inquiry`` (受付 and up). The
record itself is never edited through Django's form: each handling form posts to its own
URL, which calls a service (audited, X7).
"""

import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from madoguchi.audit.services import client_ip
from madoguchi.backoffice.site import BackofficeAdmin, ReadOnlyAdminMixin, backoffice_site
from madoguchi.inquiries import services
from madoguchi.inquiries.forms import HandlingForm, NoteForm, ReplyForm
from madoguchi.inquiries.models import Inquiry
from madoguchi.lib.dates import format_datetime
from madoguchi.outbox.models import Mail

HANDLE_PERMISSION = "inquiries.handle_inquiry"


@admin.register(Inquiry, site=backoffice_site)
class InquiryAdmin(ReadOnlyAdminMixin, BackofficeAdmin):
    list_display = [
        "number",
        "received",
        "category",
        "product",
        "subject",
        "status",
        "assignee",
    ]
    list_filter = ["status", "category", ("assignee", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["product", "assignee"]
    search_fields = ["number", "email", "subject"]
    search_help_text = "お問い合わせ番号・メールアドレス・件名で検索できます。"
    change_form_template = "inquiries/admin/inquiry_change_form.html"
    fieldsets = [
        (
            "お問い合わせ",
            {"fields": ["number", "received", "category", "product", "subject", "body"]},
        ),
        ("お客様", {"fields": ["name", "email", "phone", "contract_number", "contract"]}),
        ("対応", {"fields": ["status", "assignee"]}),
    ]
    readonly_fields = [
        "number",
        "received",
        "category",
        "product",
        "subject",
        "body",
        "name",
        "email",
        "phone",
        "contract_number",
        "contract",
        "status",
        "assignee",
    ]

    @admin.display(description="受付日時", ordering="received_at")
    def received(self, obj):
        return format_datetime(obj.received_at)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product", "assignee", "contract")

    def has_handle_permission(self, request) -> bool:
        return request.user.has_perm(HANDLE_PERMISSION)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self._handling_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _handling_context(self, request, obj, **forms_) -> dict:
        may_handle = self.has_handle_permission(request)
        context = {
            "may_handle": may_handle,
            "notes": list(obj.notes.all()),
            "replies": list(obj.replies.select_related("mail")),
            "mails": list(Mail.objects.filter(reference=obj.number).order_by("created_at", "id")),
        }
        if may_handle:
            context["handling_form"] = forms_.get("handling_form") or HandlingForm(
                initial={"status": obj.status, "assignee": obj.assignee_id}
            )
            context["note_form"] = forms_.get("note_form") or NoteForm()
            context["reply_form"] = forms_.get("reply_form") or ReplyForm(
                initial={"key": uuid.uuid4().hex}
            )
        return context

    # --- handling (受付 and up) --------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                f"<path:object_id>/{action}/",
                self.admin_site.admin_view(view),
                name="{}_{}_{}".format(*info, action),
            )
            for action, view in (
                ("handle", self.handle_view),
                ("note", self.note_view),
                ("reply", self.reply_view),
            )
        ] + super().get_urls()

    def _handled_object(self, request, object_id) -> Inquiry:
        inquiry = self.get_object(request, unquote(object_id))
        if inquiry is None:
            raise Http404("お問い合わせが見つかりません。")
        if not self.has_handle_permission(request):
            raise PermissionDenied
        return inquiry

    def _change_page(self, inquiry) -> HttpResponseRedirect:
        return HttpResponseRedirect(
            reverse(
                "admin:inquiries_inquiry_change",
                args=[inquiry.pk],
                current_app=self.admin_site.name,
            )
        )

    def _form_page(self, request, inquiry, title: str, form: forms.Form, action: str, button: str):
        """A handling form with its messages, the inquiry above it (no change on error)."""
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "opts": self.opts,
            "original": inquiry,
            "form": form,
            "action": action,
            "button": button,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "inquiries/admin/inquiry_form.html", context)

    @method_decorator(require_POST)
    def handle_view(self, request, object_id):
        """「更新する」: the status and the assignee."""
        inquiry = self._handled_object(request, object_id)
        form = HandlingForm(request.POST)
        if not form.is_valid():
            return self._form_page(
                request, inquiry, f"{inquiry.number} の対応状況", form, "handle", "更新する"
            )
        changed = services.update_handling(
            inquiry=inquiry,
            status=form.cleaned_data["status"],
            assignee=form.cleaned_data["assignee"],
            operator=request.user,
            ip=client_ip(request),
        )
        if changed:
            message = f"お問い合わせ {inquiry.number} の対応状況を更新しました。"
            self.message_user(request, message, messages.SUCCESS)
        else:
            self.message_user(request, "変更はありませんでした。", messages.INFO)
        return self._change_page(inquiry)

    @method_decorator(require_POST)
    def note_view(self, request, object_id):
        """「メモを追加」: an internal note, never mailed."""
        inquiry = self._handled_object(request, object_id)
        form = NoteForm(request.POST)
        if not form.is_valid():
            return self._form_page(
                request, inquiry, f"{inquiry.number} の内部メモ", form, "note", "メモを追加"
            )
        services.add_note(
            inquiry=inquiry,
            text=form.cleaned_data["text"],
            operator=request.user,
            ip=client_ip(request),
        )
        self.message_user(request, "内部メモを追加しました。", messages.SUCCESS)
        return self._change_page(inquiry)

    @method_decorator(require_POST)
    def reply_view(self, request, object_id):
        """「返信する」: the answer mailed to the customer; the inquiry becomes 回答済."""
        inquiry = self._handled_object(request, object_id)
        form = ReplyForm(request.POST)
        if not form.is_valid():
            if "key" in form.errors:
                # A form without its key (a replayed POST): sent again, it gets a new one.
                form.data = form.data.copy()
                form.data["key"] = uuid.uuid4().hex
            return self._form_page(
                request, inquiry, f"{inquiry.number} への返信", form, "reply", "返信する"
            )
        try:
            services.send_reply(
                inquiry=inquiry,
                body=form.cleaned_data["body"],
                operator=request.user,
                submission_key=form.cleaned_data["key"],
                ip=client_ip(request),
            )
        except services.DuplicateReply:
            # The other click of a double click sent it already: one mail (X2).
            self.message_user(request, "この返信は送信済みです。", messages.INFO)
        else:
            self.message_user(
                request,
                f"{inquiry.email} に返信をお送りします（対応状況：回答済）。",
                messages.SUCCESS,
            )
        return self._change_page(inquiry)
