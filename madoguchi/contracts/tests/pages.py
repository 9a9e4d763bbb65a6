"""Reading desk pages as a customer sees them: texts, fields, messages beside fields.

Shared by the desk and contracts tests (and the access matrix); test-only code.
"""

import re
from collections.abc import Callable, Iterator

from django.conf import settings
from django.test import Client
from django.test.html import Element, parse_html
from django.urls import reverse

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def dom(response_or_html) -> Element:
    html = response_or_html
    if not isinstance(html, str):
        html = response_or_html.content.decode()
    return parse_html(html)


def walk(element: Element) -> Iterator[Element]:
    for child in element.children:
        if isinstance(child, Element):
            yield child
            yield from walk(child)


def attr(element: Element, name: str) -> str | None:
    for key, value in element.attributes:
        if key == name:
            return value
    return None


def classes(element: Element) -> set[str]:
    return set((attr(element, "class") or "").split())


def find_all(root: Element, predicate: Callable[[Element], bool]) -> list[Element]:
    return [element for element in walk(root) if predicate(element)]


def text(element: Element | str) -> str:
    """The visible text of an element, whitespace collapsed."""
    if isinstance(element, str):
        return element
    parts = [text(child) for child in element.children]
    return re.sub(r"\s+", " ", " ".join(parts)).strip()


def page_text(response) -> str:
    return text(dom(response))


def by_id(root: Element, element_id: str) -> Element:
    found = find_all(root, lambda e: attr(e, "id") == element_id)
    assert len(found) == 1, f"expected one #{element_id}, found {len(found)}"
    return found[0]


def field_box(root: Element, name: str) -> Element:
    """The ``div.field`` that holds the form control named ``name``."""
    boxes = [
        box
        for box in find_all(root, lambda e: e.name == "div" and "field" in classes(e))
        if any(attr(control, "name") == name for control in walk(box))
    ]
    assert len(boxes) == 1, f"expected one field box for {name!r}, found {len(boxes)}"
    return boxes[0]


def field_errors(response, name: str) -> list[str]:
    """The messages shown beside the field ``name`` (its own error list, nothing else)."""
    box = field_box(dom(response), name)
    return [
        text(item)
        for errorlist in find_all(box, lambda e: e.name == "ul" and "errorlist" in classes(e))
        for item in errorlist.children
        if isinstance(item, Element) and item.name == "li"
    ]


def form_errors(response) -> list[str]:
    """Messages of the form as a whole (the alert above the form)."""
    alerts = find_all(dom(response), lambda e: e.name == "div" and {"alert", "error"} <= classes(e))
    return [text(p) for alert in alerts for p in alert.children if isinstance(p, Element)]


def control(response, name: str) -> Element:
    found = find_all(dom(response), lambda e: attr(e, "name") == name)
    assert len(found) == 1, f"expected one control {name!r}, found {len(found)}"
    return found[0]


def selected_option(response, name: str) -> str | None:
    select = control(response, name)
    for option in walk(select):
        if option.name == "option" and any(key == "selected" for key, _ in option.attributes):
            return attr(option, "value")
    return None


def csrf_token(client: Client) -> str:
    return client.cookies[settings.CSRF_COOKIE_NAME].value


def login_data(username: str, password: str) -> dict:
    login_id, _, realm = username.partition("@")
    return {"login_id": login_id, "realm": realm, "password": password}


def post_login(client: Client, username: str, password: str, ip: str = "127.0.0.1", **extra):
    """POST the desk login form as a browser at ``ip`` would."""
    return client.post(
        reverse("desk:login"), login_data(username, password), REMOTE_ADDR=ip, **extra
    )


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session
