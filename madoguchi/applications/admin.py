"""Back office: the applications queue (B1, X3) — list, read, process, complete, fail.

``work`` is never shown: it holds what the work needs that is not for display, such as the
network credential's RADIUS hash.

An operator acts on an application only while a worker could claim it: 受付, or 処理中
whose worker's lease has expired (``services.operator_refusal``). One a worker holds with a
valid lease is left to that worker, so nothing is carried out twice; a finished one (完了,
失敗, 取消) is refused with a message. Kinds with a processor are carried out with
「処理する」 (the worker's own code, never before they are due); kinds carried out by hand
are completed with 「完了にする」 once the operator has done the work. Either can be failed
with 「失敗にする」 and a reason the customer reads.
"""

import functools
import logging
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from madoguchi.applications import registry, services
from madoguchi.applications.models import Application
from madoguchi.audit.services import client_ip
from madoguchi.backoffice.roles import PROCESS_APPLICATION
from madoguchi.backoffice.site import BackofficeAdmin, ReadOnlyAdminMixin, backoffice_site
from madoguchi.lib.forms import NULL_CHARACTERS, reject_control_characters

logger = logging.getLogger(__name__)

NUMBER_RE = re.compile(r"^[Aa]?(\d{1,12})$")
REASON_MAX_LENGTH = 500
REASON_LABEL = "失敗理由"


class FailForm(forms.Form):
    """The reason of a failure, as the customer reads it in the mail and on the desk."""

    reason = forms.CharField(
        label="失敗理由（お客様に表示されます）",
        # No maxlength: the browser would cut a pasted reason silently; the server refuses
        # an overlong one with a message instead.
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        error_messages={
            "required": "失敗理由を入力してください。",
            NULL_CHARACTERS: "失敗理由に使用できない制御文字が含まれています。",
        },
        help_text=(
            f"{REASON_MAX_LENGTH}文字以内。結果のお知らせメールとカスタマサポートデスクで"
            "お客様にそのまま表示されます。"
        ),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].replace("\r\n", "\n").replace("\r", "\n")
        # Line breaks are welcome in a reason; other control characters are not, nor the
        # replacement character that invalid UTF-8 becomes.
        reject_control_characters(reason.replace("\n", ""), REASON_LABEL)
        if len(reason) > REASON_MAX_LENGTH:
            raise forms.ValidationError(
                f"{REASON_LABEL}は{REASON_MAX_LENGTH}文字以内で入力してください"
                f"（現在 {len(reason)} 文字）。"
            )
        return reason


class HandlingFilter(admin.SimpleListFilter):
    """自動 (a worker carries it out) or 手作業 (the queue of work operators do by hand)."""

    title = "処理方法"
    parameter_name = "handling"

    def lookups(self, request, model_admin):
        return [("manual", "手作業"), ("automatic", "自動")]

    def queryset(self, request, queryset):
        if self.value() == "manual":
            return queryset.filter(kind__in=registry.manual_codes())
        if self.value() == "automatic":
            return queryset.filter(kind__in=registry.automatic_codes())
        return queryset


@admin.register(Application, site=backoffice_site)
class ApplicationAdmin(ReadOnlyAdminMixin, BackofficeAdmin):
    list_display = [
        "number",
        "customer_number",
        "kind",
        "status",
        "customer_status",
        "submitted_at",
        "not_before",
        "submitted_by",
        "attempts",
    ]
    list_filter = [HandlingFilter, "kind", "status"]
    date_hierarchy = "submitted_at"
    list_select_related = ["contract", "submitted_by"]
    search_fields = ["contract__customer_number"]
    search_help_text = "お申込み番号（A00000001）またはお客様番号で検索できます。"
    change_form_template = "backoffice/application_change_form.html"
    actions = ["process_selected"]
    # Feature apps add the inline that shows their part of an application (the mailbox
    # order, …) with ``add_inline``, as they register processors: no import from here.
    inlines = []
    fieldsets = [
        (
            "お申込み",
            {"fields": ["number", "contract", "kind", "handling", "status", "customer_status"]},
        ),
        ("内容", {"fields": ["changes"]}),
        ("受付", {"fields": ["submitted_by", "submitted_at", "submitted_ip"]}),
        (
            "処理",
            {
                "fields": [
                    "not_before",
                    "attempts",
                    "lease_expires_at",
                    "finished_at",
                    "finished_by",
                    "failure_reason",
                ]
            },
        ),
        ("メール", {"fields": ["mails"]}),
    ]
    readonly_fields = [
        "number",
        "contract",
        "kind",
        "handling",
        "status",
        "customer_status",
        "changes",
        "submitted_by",
        "submitted_at",
        "submitted_ip",
        "not_before",
        "attempts",
        "lease_expires_at",
        "finished_at",
        "finished_by",
        "failure_reason",
        "mails",
    ]

    @classmethod
    def add_inline(cls, inline) -> None:
        cls.inlines = [*cls.inlines, inline]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("contract", "submitted_by")
        return queryset.defer("work")  # never loaded, never shown

    @admin.display(description="お申込み番号", ordering="pk")
    def number(self, obj):
        return obj.number

    @admin.display(description="お客様番号", ordering="contract__customer_number")
    def customer_number(self, obj):
        return obj.contract.customer_number

    @admin.display(description="お客様への表示")
    def customer_status(self, obj):
        return obj.customer_status

    @admin.display(description="処理方法")
    def handling(self, obj):
        return "手作業（オペレーターが処理して「完了にする」）" if obj.spec.is_manual else "自動"

    @admin.display(description="変更内容")
    def changes(self, obj):
        """Before and after under the kind's labels, as a table (never raw data)."""
        rows = obj.rows
        if not rows:
            return "-"
        return format_html(
            '<table class="application-changes"><thead><tr><th>項目</th><th>変更前</th>'
            "<th>変更後</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join("", "<tr><th>{}</th><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description="送信メール")
    def mails(self, obj):
        """The application's mails in the outbox: recipient, subject, state, SMTP reply."""
        from madoguchi.outbox.models import Mail

        mails = Mail.objects.filter(reference=obj.number).order_by("created_at", "id")
        if not mails:
            return "なし"
        return format_html(
            '<table class="application-mails"><thead><tr><th>宛先</th><th>件名</th>'
            "<th>状態</th><th>最後のSMTP応答</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join(
                "",
                '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>',
                (
                    (
                        reverse("admin:outbox_mail_change", args=[mail.pk]),
                        mail.to,
                        mail.subject or mail.template,
                        mail.get_status_display(),
                        mail.last_reply or "-",
                    )
                    for mail in mails
                ),
            ),
        )

    def get_search_results(self, request, queryset, search_term):
        """An application number (A00000012, or just 12) finds that application."""
        match = NUMBER_RE.fullmatch(search_term.strip())
        if match:
            by_number = queryset.filter(pk=int(match.group(1)))
            results, duplicates = super().get_search_results(request, queryset, search_term)
            return results | by_number, duplicates
        return super().get_search_results(request, queryset, search_term)

    # The record itself is never edited (ReadOnlyAdminMixin): operators act on it only
    # through the two actions below, which go through the services (and so are audited, X7).
    def has_operate_permission(self, request, obj=None) -> bool:
        """May the operator process or fail applications (「処理する」, 「失敗にする」, B5)?"""
        return request.user.has_perm(PROCESS_APPLICATION)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            refusal = services.operator_refusal(obj)
            context["operator_refusal"] = refusal or services.schedule_refusal(obj)
            may = self.has_operate_permission(request, obj) and refusal is None
            context["may_fail"] = may
            # 「処理する」 for a due automatic kind, 「完了にする」 for a manual one.
            context["may_process"] = may and not obj.spec.is_manual and not obj.is_scheduled
            context["may_complete"] = may and obj.spec.is_manual and not obj.is_scheduled
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- 「処理する」, 「完了にする」 and 「失敗にする」 (B1) ---------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/process/",
                self.admin_site.admin_view(self.process_view),
                name="{}_{}_process".format(*info),
            ),
            path(
                "<path:object_id>/complete/",
                self.admin_site.admin_view(self.complete_view),
                name="{}_{}_complete".format(*info),
            ),
            path(
                "<path:object_id>/fail/",
                self.admin_site.admin_view(self.fail_view),
                name="{}_{}_fail".format(*info),
            ),
            *super().get_urls(),
        ]

    def _operable_object(self, request, object_id) -> Application:
        application = self.get_object(request, unquote(object_id))
        if application is None:
            raise Http404("お申込みが見つかりません。")
        if not self.has_operate_permission(request, application):
            raise PermissionDenied
        return application

    def _change_page(self, application) -> HttpResponseRedirect:
        return HttpResponseRedirect(
            reverse(
                "admin:applications_application_change",
                args=[application.pk],
                current_app=self.admin_site.name,
            )
        )

    @method_decorator(require_POST)
    def process_view(self, request, object_id):
        """「処理する」: carry the application out now, as a worker would."""
        application = self._operable_object(request, object_id)
        self._process(request, application)
        return self._change_page(application)

    def _process(self, request, application) -> bool:
        try:
            services.process_application_now(
                application=application, operator=request.user, ip=client_ip(request)
            )
        except services.NotOperable as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            return False
        except Exception:
            # Left 処理中 with its lease: a worker retries it once the lease expires.
            logger.exception("operator processing of %s failed", application.number)
            self.message_user(
                request,
                f"お申込み {application.number} の処理中にエラーが発生しました。"
                "処理期限が過ぎると自動で再処理されます。",
                messages.ERROR,
            )
            return False
        if application.status == Application.Status.DONE:
            self.message_user(
                request, f"お申込み {application.number} を処理しました（完了）。", messages.SUCCESS
            )
        else:
            self.message_user(
                request,
                f"お申込み {application.number} を処理しましたが、完了できませんでした"
                f"（{application.get_status_display()}：{application.failure_reason}）。",
                messages.WARNING,
            )
        return True

    def _finish_as_operator(self, request, application, finish, verb: str):
        """Run an operator's finishing service and say what happened (B1)."""
        try:
            finish(application=application, operator=request.user, ip=client_ip(request))
        except services.NotOperable as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
        else:
            self.message_user(
                request,
                f"お申込み {application.number} を{verb}にしました。"
                "お客様に結果のお知らせメールを送ります。",
                messages.SUCCESS,
            )
        return self._change_page(application)

    @method_decorator(require_POST)
    def complete_view(self, request, object_id):
        """「完了にする」: the operator carried out a manual kind; the customer is told."""
        application = self._operable_object(request, object_id)
        return self._finish_as_operator(
            request, application, services.complete_application_by_operator, "完了"
        )

    def fail_view(self, request, object_id):
        """「失敗にする」: a page asking the reason; its POST fails the application."""
        application = self._operable_object(request, object_id)
        refusal = services.operator_refusal(application)
        if refusal:
            self.message_user(request, refusal, messages.ERROR)
            return self._change_page(application)
        form = FailForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            reason = form.cleaned_data["reason"]
            return self._finish_as_operator(
                request,
                application,
                functools.partial(services.fail_application_by_operator, reason=reason),
                "失敗",
            )
        context = {
            **self.admin_site.each_context(request),
            "title": f"お申込み {application.number} を失敗にする",
            "subtitle": None,
            "opts": self.opts,
            "original": application,
            "form": form,
            "contact_email": application.contract.contact_email,
            "reason_max_length": REASON_MAX_LENGTH,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "backoffice/application_fail.html", context)

    @admin.action(description="選択したお申込みを処理する", permissions=["operate"])
    def process_selected(self, request, queryset):
        for application in queryset.order_by("pk"):
            self._process(request, application)
