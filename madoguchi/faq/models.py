"""よくあるご質問 (S1, B3): categories and their questions, each with a stable URL.

A question's answer is Markdown, rendered and sanitized when shown. ``search_text`` keeps
the folded question and answer text (``madoguchi.lib.search.fold``), which the keyword
search reads; it is written whenever a question is saved, so it never lags behind.
"""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from madoguchi.lib.markdown import plain_text
from madoguchi.lib.search import fold


class CategoryQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class Category(models.Model):
    name = models.CharField(_("カテゴリ名"), max_length=100, unique=True)
    order = models.PositiveIntegerField(
        _("表示順"), default=0, help_text=_("小さい順に表示します。")
    )
    published = models.BooleanField(
        _("公開"),
        default=False,
        help_text=_("公開しないカテゴリは、その中のご質問ごと表示しません。"),
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("FAQカテゴリ")
        verbose_name_plural = _("FAQカテゴリ")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('faq:index')}#category-{self.pk}"


class QuestionQuerySet(models.QuerySet):
    def published(self):
        """What visitors see: published questions of published categories."""
        return self.filter(published=True, category__published=True)


class Question(models.Model):
    category = models.ForeignKey(
        Category,
        verbose_name=_("カテゴリ"),
        on_delete=models.PROTECT,
        related_name="questions",
    )
    question = models.CharField(_("ご質問"), max_length=300)
    answer = models.TextField(
        _("回答"),
        help_text=_(
            "Markdown で書けます。表示の際に安全な HTML に変換します"
            "（スクリプトや外部の画像は表示されません）。"
        ),
    )
    order = models.PositiveIntegerField(
        _("表示順"), default=0, help_text=_("カテゴリの中で小さい順に表示します。")
    )
    published = models.BooleanField(
        _("公開"),
        default=False,
        help_text=_("公開前にプレビューで表示を確かめられます。"),
    )
    # fold() of the question and the answer's text: what the keyword search reads (S1).
    search_text = models.TextField(_("検索用テキスト"), blank=True, editable=False)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("よくあるご質問")
        verbose_name_plural = _("よくあるご質問")
        ordering = ["category__order", "category_id", "order", "pk"]
        indexes = [models.Index(fields=["category", "order"], name="faq_question_order")]

    def __str__(self) -> str:
        return self.question

    def save(self, *args, **kwargs):
        self.search_text = fold(f"{self.question} {plain_text(self.answer)}")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"question", "answer"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("faq:question", args=[self.pk])

    @property
    def is_public(self) -> bool:
        return self.published and self.category.published
