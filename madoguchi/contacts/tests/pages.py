"""The contact person's flow as a test client walks it (test helper)."""

from django.urls import reverse

from madoguchi.testing.drafts import with_draft_token

INPUT = reverse("contacts:input")
CONFIRM = reverse("contacts:confirm")
FIELDS = ("name", "kana", "department", "phone", "email", "email_confirm")

NEW = {
    "name": "窓口 花子",
    "kana": "マドグチ\u3000ハナコ",
    "department": "総務部",
    "phone": "03-9876-5432",
    "email": "hanako@example.com",
    "email_confirm": "hanako@example.com",
}


def values(**changes) -> dict:
    """The form's POST: the new values, some replaced."""
    return {**NEW, **changes}


def enter(client, data: dict):
    return client.post(INPUT, data)


def register(client, data: dict | None = None):
    """Input (``data``, by default NEW), then 「登録」: returns the final POST's response."""
    response = enter(client, data or NEW)
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == CONFIRM
    return client.post(CONFIRM, with_draft_token(client, "contact_person"))
