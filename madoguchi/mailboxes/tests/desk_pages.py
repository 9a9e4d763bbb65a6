"""Reading and driving the mailbox desk pages as a customer does (test-only helpers).

Shared by the ``test_views_*`` and ``test_flow_*`` files of this folder.
"""

from django.test.html import Element
from django.urls import reverse

from madoguchi.contracts.tests.pages import attr, by_id, classes, dom, find_all, text, walk

NEW_PASSWORD = "newpass345"
LIST = reverse("mailboxes:list")
TERMS = reverse("mailboxes:terms")
CONFIRM = reverse("mailboxes:confirm")
CHARACTERS = reverse("mailboxes:characters")
PATTERN_LABELS = {
    "virus": "ウィルスチェックサービスのみ変更申込みをする。",
    "both": "メールアカウントと、ウィルスチェックサービスを同時に変更申込みする。",
    "account": "メールアカウントのみ変更申込みをする。",
}


def change_url(slot: int) -> str:
    return reverse("mailboxes:change", args=[slot])


def add_url(slot: int) -> str:
    return reverse("mailboxes:add", args=[slot])


def delete_url(slot: int) -> str:
    return reverse("mailboxes:delete", args=[slot])


def cancel_url(slot: int) -> str:
    return reverse("mailboxes:cancel", args=[slot])


def complete_url(pk: int) -> str:
    return reverse("mailboxes:complete", args=[pk])


# --- form data ---------------------------------------------------------------------------


def virus_value(on: bool) -> str:
    return "1" if on else "0"


def change_data(pattern: str | None, **fields) -> dict:
    """A POST of the change page: the pattern and that pattern's (prefixed) fields."""
    data = {} if pattern is None else {"pattern": pattern}
    for name, value in fields.items():
        key, _, field = name.partition("__")
        data[f"{key}-{field}"] = value
    return data


def virus_only(on: bool) -> dict:
    return change_data("virus", virus__virus_check=virus_value(on))


def account_and_virus(account: str, on: bool, password: str = NEW_PASSWORD) -> dict:
    return change_data(
        "both",
        both__account=account,
        both__password=password,
        both__password_confirm=password,
        both__virus_check=virus_value(on),
    )


def account_only(account: str, password: str = NEW_PASSWORD) -> dict:
    return change_data(
        "account",
        account__account=account,
        account__password=password,
        account__password_confirm=password,
    )


def add_data(account: str, on: bool = False, password: str = NEW_PASSWORD) -> dict:
    return {
        "account": account,
        "password": password,
        "password_confirm": password,
        "virus_check": virus_value(on),
    }


# --- reading pages -----------------------------------------------------------------------


def slot_rows(response) -> list[dict]:
    """The rows of the four-slot list: No., account, virus check, state, buttons."""
    table = by_id(dom(response), "slots")
    rows = []
    for row in find_all(
        table, lambda e: e.name == "tr" and (attr(e, "id") or "").startswith("slot-")
    ):
        cells = [cell for cell in row.children if isinstance(cell, Element) and cell.name == "td"]
        buttons = [text(a) for a in find_all(cells[4], lambda e: e.name == "a")]
        hrefs = [attr(a, "href") for a in find_all(cells[4], lambda e: e.name == "a")]
        rows.append(
            {
                "no": text(cells[0]),
                "account": text(cells[1]),
                "virus": text(cells[2]),
                "state": text(cells[3]),
                "buttons": buttons,
                "hrefs": hrefs,
            }
        )
    return rows


def field_container(root: Element, name: str) -> Element:
    """The ``.field`` box (a div or a fieldset) that holds the control ``name``."""
    boxes = [
        box
        for box in find_all(root, lambda e: e.name in {"div", "fieldset"} and "field" in classes(e))
        if any(attr(control, "name") == name for control in walk(box))
    ]
    # The innermost box: a fieldset of radios may sit inside a larger one.
    boxes = [box for box in boxes if not any(o is i for o in boxes for i in walk(box))]
    assert len(boxes) == 1, f"expected one field box for {name!r}, found {len(boxes)}"
    return boxes[0]


def errorlist_items(element: Element) -> list[str]:
    return [
        text(item)
        for errorlist in find_all(element, lambda e: e.name == "ul" and "errorlist" in classes(e))
        for item in errorlist.children
        if isinstance(item, Element) and item.name == "li"
    ]


def errors_beside(response, name: str) -> list[str]:
    """The messages shown beside the control ``name`` (text input, radios or checkboxes)."""
    return errorlist_items(field_container(dom(response), name))


def all_errors(response) -> list[str]:
    return errorlist_items(dom(response))


def pattern_errors(response) -> list[str]:
    found = find_all(dom(response), lambda e: attr(e, "id") == "pattern-errors")
    return [text(li) for li in found[0].children if isinstance(li, Element)] if found else []


def controls(response, name: str) -> list[Element]:
    return find_all(dom(response), lambda e: attr(e, "name") == name)


def value_of(response, name: str) -> str | None:
    found = controls(response, name)
    assert len(found) == 1, f"expected one control {name!r}, found {len(found)}"
    return attr(found[0], "value")


def checked_values(response, name: str) -> list[str]:
    return [
        attr(box, "value")
        for box in controls(response, name)
        if any(key == "checked" for key, _ in box.attributes)
    ]


def summary_rows(response) -> list[list[str]]:
    """The confirm page's table: [label, before, "→", after] (or [label, value] for an add)."""
    table = by_id(dom(response), "summary")
    return [
        [text(cell) for cell in row.children if isinstance(cell, Element)]
        for row in find_all(table, lambda e: e.name == "tr")
        if not find_all(row, lambda e: e.name == "th" and not e.children)
    ]


def summary_header(response) -> list[str]:
    table = by_id(dom(response), "summary")
    heads = find_all(table, lambda e: e.name == "thead")
    return [text(cell) for cell in find_all(heads[0], lambda e: e.name == "th")] if heads else []


def steps(response) -> tuple[list[str], str]:
    """The step indicator: its steps, and the current one."""
    found = find_all(dom(response), lambda e: e.name == "ol" and "steps" in classes(e))
    assert len(found) == 1
    items = [li for li in found[0].children if isinstance(li, Element)]
    current = [text(li) for li in items if "current" in classes(li)]
    assert len(current) == 1
    return [text(li) for li in items], current[0]


def alerts(response) -> list[str]:
    return [
        text(alert)
        for alert in find_all(dom(response), lambda e: e.name == "div" and "alert" in classes(e))
    ]


def post_confirm(client, data: dict | None = None, **extra):
    """「登録」 on the confirm page: its form carries the draft's token (X2)."""
    from madoguchi.testing.drafts import with_draft_token

    return client.post(CONFIRM, with_draft_token(client, "mailbox", data), **extra)
