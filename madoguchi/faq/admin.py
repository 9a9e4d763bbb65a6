"""Back office: よくあるご質問 authoring (B3).

Every role reads the categories and questions; 管理者 adds and edits them, sets their order
(numbers in the list, or by dragging rows) and publishes or unpublishes them. Nothing is
deleted: an entry no longer wanted is unpublished (its URL then answers 404, and the audit
log keeps what it said). Every change goes through ``faq.services`` and is audited (X7).
A question's preview is the public page itself, rendered from the same template.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html

from madoguchi.audit.services import client_ip
from madoguchi.backoffice.site import BackofficeAdmin, backoffice_site
from madoguchi.faq import services
from madoguchi.faq.forms import CategoryForm, QuestionForm
from madoguchi.faq.models import Category, Question
from madoguchi.lib import search
from madoguchi.lib.dates import format_datetime


class AuthoringAdmin(BackofficeAdmin):
    """What categories and questions share: audited saves, publish actions, no delete."""

    actions = ["publish", "unpublish"]
    list_editable = ["order"]
    view_on_site = False  # the preview shows the public page, published or not
    list_per_page = 200  # a whole category's questions on one page, to order them

    class Media:
        js = ["js/faq-order.js"]
        css = {"all": ["css/faq-admin.css"]}

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.save_entry(entry=obj, operator=request.user, ip=client_ip(request))

    def _publish(self, request, queryset, published: bool) -> None:
        changed = services.set_published(
            entries=queryset, published=published, operator=request.user, ip=client_ip(request)
        )
        if changed:
            names = "、".join(f"「{entry}」" for entry in changed[:5])
            more = f" ほか{len(changed) - 5}件" if len(changed) > 5 else ""
            done = "公開しました" if published else "非公開にしました"
            self.message_user(request, f"{names}{more}を{done}。", messages.SUCCESS)
        else:
            already = "公開されています" if published else "非公開です"
            self.message_user(request, f"選択したものはすでに{already}。", messages.INFO)

    @admin.action(description="選択したものを公開する", permissions=["change"])
    def publish(self, request, queryset):
        self._publish(request, queryset, True)

    @admin.action(description="選択したものを非公開にする", permissions=["change"])
    def unpublish(self, request, queryset):
        self._publish(request, queryset, False)

    @admin.display(description="更新日時", ordering="updated_at")
    def updated(self, obj):
        return format_datetime(obj.updated_at)


@admin.register(Category, site=backoffice_site)
class CategoryAdmin(AuthoringAdmin):
    form = CategoryForm
    list_display = ["name", "order", "published", "question_count", "updated"]
    list_display_links = ["name"]
    list_filter = ["published"]
    ordering = ["order", "pk"]
    fields = ["name", "order", "published", "updated"]
    readonly_fields = ["updated"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                questions_total=Count("questions"),
                questions_published=Count("questions", filter=Q(questions__published=True)),
            )
        )

    @admin.display(description="ご質問（公開／全体）")
    def question_count(self, obj):
        return f"{obj.questions_published}／{obj.questions_total}"


@admin.register(Question, site=backoffice_site)
class QuestionAdmin(AuthoringAdmin):
    form = QuestionForm
    list_display = ["question", "category", "order", "published", "updated", "preview_link"]
    list_display_links = ["question"]
    list_filter = ["category", "published"]
    list_select_related = ["category"]
    ordering = ["category__order", "category_id", "order", "pk"]
    search_fields = ["search_text"]
    search_help_text = (
        "ご質問・回答の言葉で検索できます（全角・半角、ひらがな・カタカナを区別しません）。"
    )
    fields = ["category", "question", "answer", "order", "published", "updated", "preview_link"]
    readonly_fields = ["updated", "preview_link"]

    def get_search_results(self, request, queryset, search_term):
        """The public search's matching (S1): the same words find the same questions."""
        if not search_term.strip():
            return queryset, False
        return search.search(queryset, services.printable(search_term)), False

    @admin.display(description="プレビュー")
    def preview_link(self, obj):
        if obj is None or obj.pk is None:
            return "保存するとプレビューできます。"
        url = reverse("backoffice:faq_question_preview", args=[obj.pk])
        return format_html('<a href="{}" class="faq-preview-link">プレビュー</a>', url)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="faq_question_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, object_id):
        """The question as the public page shows it (B3), published or not."""
        question = self.get_object(request, unquote(object_id))
        if question is None:
            raise Http404
        if not self.has_view_permission(request, question):
            raise PermissionDenied
        context = {
            "question": question,
            "related": services.related_questions(question),
            "preview": True,
            "back_url": reverse("backoffice:faq_question_change", args=[question.pk]),
        }
        return render(request, "faq/question.html", context)
