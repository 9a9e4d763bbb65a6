"""よくあるご質問: the keyword search visitors use (S1) and the operators' authoring (B3).

Every change an operator makes (a category or question added or changed, its order, its
publication) goes through ``save_entry`` or ``set_published``, which write one audit row
per changed row (X7).
"""

import unicodedata
from dataclasses import dataclass, field

from django.db import models, transaction

from madoguchi.audit.services import record_audit
from madoguchi.faq.models import Category, Question
from madoguchi.lib import search

# At most this many questions are listed for one search: the FAQ is short, and a query
# matching (almost) everything must stay a small page.
MAX_RESULTS = 50

# The audit log's operations (labels registered in ``FaqConfig.ready``).
AUDIT_ACTIONS = {
    "faq.category.create": "FAQカテゴリの追加",
    "faq.category.update": "FAQカテゴリの変更",
    "faq.category.publish": "FAQカテゴリの公開",
    "faq.category.unpublish": "FAQカテゴリの非公開",
    "faq.question.create": "よくあるご質問の追加",
    "faq.question.update": "よくあるご質問の変更",
    "faq.question.publish": "よくあるご質問の公開",
    "faq.question.unpublish": "よくあるご質問の非公開",
}
# The fields operators edit, per model; the audit rows name them by their labels.
EDITABLE = {
    Category: ("name", "order", "published"),
    Question: ("category", "question", "answer", "order", "published"),
}
KIND = {Category: "category", Question: "question"}


# --- Search (S1) -----------------------------------------------------------------------------


@dataclass
class SearchResult:
    asked: bool  # a query was given (even one without any word to search for)
    terms: list[str] = field(default_factory=list)  # the folded words, all required (AND)
    questions: list[Question] = field(default_factory=list)

    @property
    def needs_keyword(self) -> bool:
        """Asked with nothing searchable (only spaces or symbols)."""
        return self.asked and not self.terms


def printable(query: str) -> str:
    """The query without control or format characters (NUL among them: PostgreSQL refuses
    it in a string); each becomes a space, so the words around it stay apart."""
    return "".join(
        " " if unicodedata.category(character) in {"Cc", "Cf", "Cs"} else character
        for character in query[: search.MAX_QUERY_LENGTH]
    )


def search_questions(query: str | None) -> SearchResult:
    """The published questions whose question or answer contains every word of ``query``.

    Full-width and half-width forms, hiragana and katakana, upper and lower case match each
    other (``lib.search``). Only the query's first characters are read, so any query is one
    bounded database query.
    """
    if query is None:
        return SearchResult(asked=False)
    cleaned = printable(query)
    wanted = search.terms(cleaned)
    if not wanted:
        return SearchResult(asked=True)
    found = search.search(Question.objects.published(), cleaned).select_related("category")
    return SearchResult(asked=True, terms=wanted, questions=list(found[:MAX_RESULTS]))


def categories_with_questions() -> list[Category]:
    """The published categories in order, each with its published questions in order
    (``category.shown``): two queries."""
    questions = Question.objects.published().order_by("order", "pk")
    return list(
        Category.objects.published()
        .order_by("order", "pk")
        .prefetch_related(models.Prefetch("questions", queryset=questions, to_attr="shown"))
    )


def get_public_question(pk: int) -> Question:
    """A published question of a published category; ``Question.DoesNotExist`` otherwise."""
    return Question.objects.published().select_related("category").get(pk=pk)


def related_questions(question: Question) -> list[Question]:
    """The other published questions of the question's category, in order."""
    return list(
        Question.objects.published()
        .filter(category_id=question.category_id)
        .exclude(pk=question.pk)
        .order_by("order", "pk")
    )


# --- Authoring (B3) --------------------------------------------------------------------------


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _shown(entry, name: str):
    """A field's value as the audit log shows it (JSON: the category by its name)."""
    value = getattr(entry, name)
    if isinstance(value, Category):
        return value.name
    if isinstance(value, bool):
        return "公開" if value else "非公開"
    return value


@transaction.atomic
def save_entry(*, entry: Category | Question, operator, ip: str | None) -> list[str]:
    """Add or change a category or question as the operator edited it, audited (X7).

    Returns the names of the fields that changed (all for a new entry); nothing is written
    or audited when nothing changed.
    """
    model = type(entry)
    names = EDITABLE[model]
    kind = KIND[model]
    if entry.pk is None:
        entry.save()
        record_audit(
            actor=operator,
            action=f"faq.{kind}.create",
            target=str(entry)[:200],
            after={_label(model, name): _shown(entry, name) for name in names},
            ip=ip,
        )
        return list(names)
    current = model.objects.select_for_update().get(pk=entry.pk)
    changed = [name for name in names if getattr(current, name) != getattr(entry, name)]
    if not changed:
        return []
    entry.save(update_fields=[*changed, "updated_at"])
    record_audit(
        actor=operator,
        action=f"faq.{kind}.update",
        target=str(entry)[:200],
        before={_label(model, name): _shown(current, name) for name in changed},
        after={_label(model, name): _shown(entry, name) for name in changed},
        ip=ip,
    )
    return changed


@transaction.atomic
def set_published(
    *, entries: models.QuerySet, published: bool, operator, ip: str | None
) -> list[Category | Question]:
    """Publish or unpublish categories or questions, one audit row each; returns those that
    changed (the others already were so)."""
    model = entries.model
    kind = KIND[model]
    # Locked afresh by key: the list's queryset may carry aggregates (no FOR UPDATE there).
    chosen = list(entries.values_list("pk", flat=True))
    changed = list(
        model.objects.select_for_update()
        .filter(pk__in=chosen)
        .exclude(published=published)
        .order_by("pk")
    )
    for entry in changed:
        entry.published = published
        entry.save(update_fields=["published", "updated_at"])
        record_audit(
            actor=operator,
            action=f"faq.{kind}.{'publish' if published else 'unpublish'}",
            target=str(entry)[:200],
            before={_label(model, "published"): "非公開" if published else "公開"},
            after={_label(model, "published"): "公開" if published else "非公開"},
            ip=ip,
        )
    return changed
