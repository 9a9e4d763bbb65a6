"""Back office: 工事・故障情報 authoring (B2), products and the plans' products.

Every role reads notices and their publications; 管理者 writes them (roles.py). The pages
stay thin: every rule is in ``services``. Nothing here is ever deleted: a notice published
by mistake is taken off with 「公開をやめる」, planned work that will not happen becomes 中止,
and products and plans are referenced by notices and publications (so no delete permission
for anyone, the superuser included).

The change page's body has a live preview: ``static/js/notice-preview.js`` posts the body
to the preview URL as the operator types and shows the HTML it returns, rendered by
``render_markdown`` like the public page. Without JavaScript, 「プレビュー」 shows the page
again with the preview and stores nothing.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from madoguchi.audit.services import client_ip
from madoguchi.backoffice.site import BackofficeAdmin, ReadOnlyAdminMixin, backoffice_site
from madoguchi.lib.dates import format_datetime
from madoguchi.lib.markdown import render_markdown
from madoguchi.lib.search import search
from madoguchi.notices import services
from madoguchi.notices.forms import BODY_MAX_LENGTH, NoticeForm, PublishForm, UpdateForm
from madoguchi.notices.models import Notice, Product, Publication, ServicePlan


def _jst(value) -> str:
    return format_datetime(value) if value else "-"


class PublishedFilter(admin.SimpleListFilter):
    title = "公開"
    parameter_name = "published"

    def lookups(self, request, model_admin):
        return [("yes", "公開"), ("no", "下書き")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(published_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(published_at__isnull=True)
        return queryset


class NoDelete:
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notice, site=backoffice_site)
class NoticeAdmin(NoDelete, BackofficeAdmin):
    form = NoticeForm
    change_form_template = "backoffice/notices/notice_change_form.html"
    list_display = [
        "title",
        "kind",
        "status",
        "product_names",
        "starts",
        "ends",
        "visibility",
        "members_only",
    ]
    list_filter = ["kind", "status", PublishedFilter, "members_only", "products"]
    # The keyword search reads the folded text (lib/search), as the public search does.
    search_fields = ["search_text"]
    search_help_text = (
        "件名・対象地域・本文で検索できます（全角・半角、かな・カナを区別しません）。"
    )
    date_hierarchy = "starts_at"

    class Media:
        css = {"all": ["css/notice-authoring.css"]}
        js = ["js/notice-preview.js"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("products", queryset=Product.objects.order_by("order")))
        )

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return search(queryset, search_term), False

    # --- columns and read-only fields ----------------------------------------------------

    @admin.display(description="対象商品")
    def product_names(self, obj):
        return "、".join(p.name for p in obj.products.all()) or "-"

    @admin.display(description="開始日時", ordering="starts_at")
    def starts(self, obj):
        return _jst(obj.starts_at)

    @admin.display(description="終了日時", ordering="ends_at")
    def ends(self, obj):
        return _jst(obj.ends_at)

    @admin.display(description="公開", ordering="published_at")
    def visibility(self, obj):
        return "公開" if obj.is_published else "下書き"

    @admin.display(description="公開状態")
    def published_state(self, obj):
        if obj is None or not obj.is_published:
            return "下書き（お客さまには表示されません）"
        return f"公開中（{_jst(obj.published_at)} 公開）"

    @admin.display(description="状況の履歴")
    def history(self, obj):
        updates = obj.updates.select_related("created_by").order_by("at", "pk")
        if not updates:
            return "まだありません。"
        return format_html(
            '<table class="notice-history"><thead><tr><th>日時</th><th>状況</th><th>内容</th>'
            "<th>メール配信する</th><th>登録者</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        _jst(u.at),
                        u.get_status_display(),
                        u.text,
                        "する" if u.send_mail else "しない",
                        u.created_by.username if u.created_by else "-",
                    )
                    for u in updates
                ),
            ),
        )

    @staticmethod
    def _mailed(publication):
        """する, with a link to the mailing's progress once it exists; or しない."""
        if not publication.send_mail:
            return "しない"
        mailing = getattr(publication, "mailing", None)
        if mailing is None:
            return "する"
        url = reverse("backoffice:delivery_mailing_change", args=[mailing.pk])
        return format_html(
            'する（<a href="{}">送信状況：{}</a>）', url, mailing.get_state_display()
        )

    @admin.display(description="配信契機")
    def publications(self, obj):
        rows = obj.publications.select_related("created_by", "mailing").order_by("created_at", "pk")
        if not rows:
            return "まだありません（公開すると記録されます）。"
        return format_html(
            '<table class="notice-publications"><thead><tr><th>日時</th><th>契機</th>'
            "<th>状況</th><th>件名</th><th>メール配信する</th><th>登録者</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            format_html_join(
                "",
                '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
                "<td>{}</td></tr>",
                (
                    (
                        reverse("backoffice:notices_publication_change", args=[p.pk]),
                        _jst(p.created_at),
                        p.get_event_display(),
                        p.get_status_display(),
                        p.subject,
                        self._mailed(p),
                        p.created_by.username if p.created_by else "-",
                    )
                    for p in rows
                ),
            ),
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            ("内容", {"fields": ["kind", "status", "title", "body"]}),
            ("対象", {"fields": ["products", "area"]}),
            ("日時", {"fields": ["starts_at", "ends_at"]}),
            ("公開範囲", {"fields": ["members_only"]}),
        ]
        if obj is not None:
            publish = ["published_state"]
            if obj.is_published and self.has_change_permission(request, obj):
                publish += ["publish_change", "send_mail"]
            fieldsets += [
                ("公開", {"fields": publish}),
                ("状況の履歴", {"fields": ["history"]}),
                ("配信契機", {"fields": ["publications"]}),
            ]
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return ["published_state", "history", "publications"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if request.method == "POST" and "_preview" in request.POST:
            return type("NoticePreviewForm", (form,), {"previewing": True})
        return form

    # --- saving through the services -------------------------------------------------------

    def save_model(self, request, obj, form, change):
        products = form.cleaned_data["products"]
        if not change:
            services.create_notice(
                notice=obj, products=products, actor=request.user, ip=client_ip(request)
            )
            return
        outcome = services.save_notice(
            notice=obj,
            products=products,
            actor=request.user,
            ip=client_ip(request),
            publish_change=form.cleaned_data.get("publish_change", False),
            send_mail=form.cleaned_data.get("send_mail", False),
        )
        if outcome.sequence_raised:
            self.message_user(
                request,
                "日時または状況が変わったため、カレンダーの予定を更新しました"
                f"（改版番号 {obj.sequence}）。",
                messages.INFO,
            )
        if outcome.publication is not None:
            self.message_user(request, "変更を配信契機として記録しました。", messages.INFO)

    def save_related(self, request, form, formsets, change):
        # The products were set by the service (they are part of its audit and snapshot).
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    # --- the change page's extras ----------------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        body = form["body"].value() if "body" in form.fields else (obj.body if obj else "")
        may_author = (
            self.has_change_permission(request, obj) if obj else self.has_add_permission(request)
        )
        context.update(
            preview_html=render_markdown((body or "")[: BODY_MAX_LENGTH + 1]),
            preview_url=reverse("backoffice:notices_notice_preview"),
            may_author=may_author,
        )
        if obj is not None and may_author:
            context["publish_form"] = PublishForm(auto_id="id_publish_%s")
            if self.has_update_permission(request, obj):
                context["update_form"] = UpdateForm(notice=obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        return [
            path(
                "preview/",
                self.admin_site.admin_view(self.preview_view),
                name="notices_notice_preview",
            ),
            path(
                "<path:object_id>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="notices_notice_publish",
            ),
            path(
                "<path:object_id>/unpublish/",
                self.admin_site.admin_view(self.unpublish_view),
                name="notices_notice_unpublish",
            ),
            path(
                "<path:object_id>/status/",
                self.admin_site.admin_view(self.status_view),
                name="notices_notice_status",
            ),
            *super().get_urls(),
        ]

    @method_decorator(require_POST)
    def preview_view(self, request):
        """The body's HTML exactly as the public page renders it (for the live preview)."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        body = request.POST.get("body", "")
        if len(body) > BODY_MAX_LENGTH:
            return HttpResponse(
                format_html(
                    '<p class="errornote">本文は{}文字以内で入力してください（現在 {} 文字）。</p>',
                    BODY_MAX_LENGTH,
                    len(body),
                ),
                content_type="text/html; charset=utf-8",
            )
        # The public page's own partial: the preview is what the page will show.
        html = render_to_string("notices/_body.html", {"body": body})
        return HttpResponse(html, content_type="text/html; charset=utf-8")

    def has_update_permission(self, request, obj=None) -> bool:
        """May the operator add to a notice's status history (「状況を更新」, 管理者)?"""
        return request.user.has_perm("notices.add_noticeupdate") and self.has_change_permission(
            request, obj
        )

    def _authored_object(self, request, object_id) -> Notice:
        notice = self.get_object(request, unquote(object_id))
        if notice is None:
            raise Http404("工事・故障情報が見つかりません。")
        if not self.has_change_permission(request, notice):
            raise PermissionDenied
        return notice

    def _change_page(self, notice) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("backoffice:notices_notice_change", args=[notice.pk]))

    def _page(self, request, notice, template: str, title: str, **context):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "opts": self.opts,
            "original": notice,
            **context,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, template, context)

    def publish_view(self, request, object_id):
        """「公開する」: a page showing what is recorded; its POST publishes."""
        notice = self._authored_object(request, object_id)
        form = PublishForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                services.publish_notice(
                    notice=notice,
                    actor=request.user,
                    ip=client_ip(request),
                    send_mail=form.cleaned_data["send_mail"],
                )
            except services.NoticeRefused as refusal:
                self.message_user(request, refusal.message, messages.ERROR)
            else:
                mail = "（メール配信する）" if form.cleaned_data["send_mail"] else ""
                self.message_user(
                    request, f"「{notice.title}」を公開しました{mail}。", messages.SUCCESS
                )
            return self._change_page(notice)
        products = list(notice.products.order_by("order", "pk"))
        return self._page(
            request,
            notice,
            "backoffice/notices/notice_publish.html",
            f"「{notice.title}」を公開する",
            form=form,
            subject=services.publication_subject(notice),
            text=services.publication_text(notice, products),
        )

    @method_decorator(require_POST)
    def unpublish_view(self, request, object_id):
        """「公開をやめる」: back to a draft; the publications stay."""
        notice = self._authored_object(request, object_id)
        try:
            services.unpublish_notice(notice=notice, actor=request.user, ip=client_ip(request))
        except services.NoticeRefused as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
        else:
            self.message_user(
                request, f"「{notice.title}」の公開をやめました（下書きに戻しました）。"
            )
        return self._change_page(notice)

    def status_view(self, request, object_id):
        """「状況を更新」: the form (also on the change page); its POST adds the update."""
        notice = self._authored_object(request, object_id)
        if not self.has_update_permission(request, notice):
            raise PermissionDenied
        form = UpdateForm(request.POST if request.method == "POST" else None, notice=notice)
        if request.method == "POST" and form.is_valid():
            try:
                services.add_update(
                    notice=notice,
                    actor=request.user,
                    ip=client_ip(request),
                    **form.cleaned_data,
                )
            except services.NoticeRefused as refusal:
                form.add_error(refusal.field, refusal.message)
            else:
                recorded = "（配信契機を記録しました）" if notice.is_published else ""
                self.message_user(
                    request,
                    f"状況を「{notice.get_status_display()}」に更新しました{recorded}。",
                    messages.SUCCESS,
                )
                return self._change_page(notice)
        return self._page(
            request,
            notice,
            "backoffice/notices/notice_status.html",
            f"「{notice.title}」の状況を更新",
            form=form,
            media=self.media + form.media,
        )


@admin.register(Publication, site=backoffice_site)
class PublicationAdmin(ReadOnlyAdminMixin, BackofficeAdmin):
    """What was published when, as recorded (the events 工事・故障情報メール will mail)."""

    list_display = [
        "created",
        "event",
        "subject",
        "status",
        "send_mail",
        "operator",
        "mailing_link",
    ]
    list_filter = ["event", "kind", "send_mail"]
    list_select_related = ["created_by", "mailing"]
    search_fields = ["subject"]
    search_help_text = "件名で検索できます。"
    fields = [
        "created",
        "notice_link",
        "event",
        "kind",
        "status",
        "send_mail",
        "product_names",
        "subject",
        "text",
        "operator",
        "mailing_link",
    ]
    readonly_fields = fields

    @admin.display(description="登録日時", ordering="created_at")
    def created(self, obj):
        return _jst(obj.created_at)

    @admin.display(description="登録者", ordering="created_by__username")
    def operator(self, obj):
        return obj.created_by.username if obj.created_by else "-"

    @admin.display(description="送信状況")
    def mailing_link(self, obj):
        """The mailing's live progress page (delivery's back office), once it is mailed."""
        mailing = getattr(obj, "mailing", None)
        if mailing is None:
            return "-"
        url = reverse("backoffice:delivery_mailing_change", args=[mailing.pk])
        return format_html('<a href="{}">{}</a>', url, mailing.get_state_display())

    @admin.display(description="工事・故障情報")
    def notice_link(self, obj):
        url = reverse("backoffice:notices_notice_change", args=[obj.notice_id])
        return format_html('<a href="{}">{}</a>', url, obj.notice.title)

    @admin.display(description="対象商品")
    def product_names(self, obj):
        return "、".join(p.name for p in obj.products.order_by("order", "pk")) or "-"


@admin.register(Product, site=backoffice_site)
class ProductAdmin(NoDelete, BackofficeAdmin):
    list_display = ["name", "code", "order"]
    fields = ["name", "code", "order"]
    ordering = ["order", "pk"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.audit_product(
            product=obj, created=not change, actor=request.user, ip=client_ip(request)
        )


@admin.register(ServicePlan, site=backoffice_site)
class ServicePlanAdmin(NoDelete, BackofficeAdmin):
    list_display = ["name", "product_names"]
    fields = ["name", "products"]
    search_fields = ["name"]
    search_help_text = "サービス名で検索できます。"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("products")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "products":
            kwargs["widget"] = forms.CheckboxSelectMultiple
            kwargs["queryset"] = Product.objects.order_by("order", "pk")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="商品")
    def product_names(self, obj):
        return "、".join(p.name for p in obj.products.all()) or "-"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.audit_service_plan(
            plan=form.instance, created=not change, actor=request.user, ip=client_ip(request)
        )
