"""Issue 6, defect 7: no English column header, filter title or form label in the back office.

Every registered ModelAdmin's list, object page and add page is opened (as 管理者, who sees
every column, filter and form) and each header, filter title, label and section title is
read. Model fields without a Japanese ``verbose_name`` once showed as `EMAIL`, `VIRUS CHECK`
or 「virus check で絞り込む」.
"""

import re

import pytest

from madoguchi.backoffice.tests.every_page import every_page
from madoguchi.contracts.tests.pages import attr, classes, dom, find_all, text, walk

pytestmark = pytest.mark.django_db

# A label of ASCII letters only (the admin upper-cases headers: "email" became EMAIL).
ENGLISH = re.compile(r"[A-Za-z][A-Za-z _-]*")


def labels(html: str) -> list[str]:
    """Column headers, filter titles, form labels and section titles of a page."""
    root = dom(html)
    found = [text(th) for head in find_all(root, lambda e: e.name == "thead") for th in walk(head)]
    found += [
        attr(details, "data-filter-title") or ""
        for details in find_all(root, lambda e: e.name == "details")
    ]
    # A label wrapping its own input is a choice (a product's name such as DNS): data.
    found += [
        text(label)
        for label in find_all(root, lambda e: e.name == "label")
        if not any(inner.name == "input" for inner in walk(label))
    ]
    found += [
        text(heading)
        for heading in find_all(root, lambda e: classes(e) & {"fieldset-heading", "inline-heading"})
    ]
    return [label.strip().rstrip(":：").strip() for label in found]


def test_issue6_every_back_office_page_labels_in_japanese(
    operator_client, every_page_object, django_assert_max_num_queries
):
    english = []
    seen = 0
    for page in every_page(every_page_object):
        response = operator_client.get(page)
        assert response.status_code == 200, page
        for label in labels(response.content.decode()):
            seen += 1
            if ENGLISH.fullmatch(label):
                english.append(f"{page}: {label!r}")
    assert not english, "English labels in the back office:\n" + "\n".join(english)
    assert seen > 200  # the walk did read the pages


def test_issue6_the_check_finds_an_english_label():
    """Guards the test above: a header or filter like the ones the issue found is caught."""
    page = (
        "<table><thead><tr><th>EMAIL</th><th>お客様番号</th></tr></thead></table>"
        '<details data-filter-title="virus check"><summary>x</summary></details>'
        "<label>Username:</label>"
    )
    caught = [label for label in labels(page) if ENGLISH.fullmatch(label)]
    assert caught == ["EMAIL", "virus check", "Username"]
    # A choice's label (the choice's own name, wrapping its checkbox) is data, not a label.
    choice = '<label for="id_products_3"><input type="checkbox" name="products"> DNS</label>'
    assert labels(choice) == []
