"""Japanese keyword search that matches as people type (S1).

Both the stored text and the query are folded the same way, in Python, so that SQLite and
PostgreSQL give the same results with a plain ``LIKE``: NFKC (full-width ↔ half-width
letters, digits and katakana; full-width spaces), lower case, and katakana → hiragana
(``jaconv``). A query is split on spaces into terms that must all match (AND), so
「パスワード 忘れ」 finds 「パスワードを忘れました。」.

A model keeps a ``search_text`` column holding ``fold()`` of its searchable text, written on
save; ``search(queryset, query)`` narrows a queryset by every term.
"""

import unicodedata

import jaconv
from django.db.models import Q, QuerySet

MAX_QUERY_LENGTH = 100  # characters of the query that are read; the rest is ignored
MAX_TERMS = 5
MIN_TERM_LENGTH = 1


def fold(text: str) -> str:
    """The form both sides of a search are compared in."""
    text = unicodedata.normalize("NFKC", text or "")
    # Control characters match nothing (and PostgreSQL refuses a NUL in a query).
    text = "".join(c if c.isspace() or unicodedata.category(c) != "Cc" else " " for c in text)
    text = jaconv.kata2hira(text.lower())
    # Collapse every kind of white space into one space.
    return " ".join(text.split())


def terms(query: str) -> list[str]:
    """The query's terms, folded: at most MAX_TERMS, read from its first characters.

    Terms made only of punctuation are dropped (they would match almost everything); an
    empty list means there is nothing to search for.
    """
    folded = fold((query or "")[:MAX_QUERY_LENGTH])
    found = []
    for term in folded.split(" "):
        if not any(character.isalnum() for character in term):
            continue
        if term not in found:
            found.append(term)
    return found[:MAX_TERMS]


def search(queryset: QuerySet, query: str, field: str = "search_text") -> QuerySet:
    """``queryset`` narrowed to rows whose ``field`` contains every term (AND).

    Without a term the queryset is returned empty (nothing was asked for).
    """
    wanted = terms(query)
    if not wanted:
        return queryset.none()
    condition = Q()
    for term in wanted:
        condition &= Q(**{f"{field}__contains": term})
    return queryset.filter(condition)
