"""The inquiry form as a test client walks it (test helper)."""

from django.test import Client
from django.urls import reverse

from madoguchi.notices.models import Product
from madoguchi.testing.drafts import with_draft_token

INPUT = reverse("inquiries:input")
CONFIRM = reverse("inquiries:confirm")
FLOW = "inquiry"
FIELDS = (
    "category",
    "product",
    "subject",
    "body",
    "name",
    "email",
    "email_confirm",
    "phone",
    "contract_number",
)

VALUES = {
    "category": "service",
    "product": "",
    "subject": "料金プランについて",
    "body": "光アクセスの料金プランを教えてください。\n家族で使う予定です。",
    "name": "見本 太郎",
    "email": "taro@example.com",
    "email_confirm": "taro@example.com",
    "phone": "",
    "contract_number": "",
}


def values(**changes) -> dict:
    return {**VALUES, **changes}


def product(name: str = "光アクセス") -> Product:
    return Product.objects.get_or_create(
        name=name, defaults={"code": f"p{Product.objects.count() + 1}"}
    )[0]


def enter(client: Client, data: dict, **extra):
    return client.post(INPUT, data, **extra)


def confirm(client: Client, **extra):
    return client.post(CONFIRM, with_draft_token(client, FLOW), **extra)


def send(client: Client, data: dict | None = None, **extra):
    """Input (``data``, by default VALUES), then 「送信する」: the final POST's response."""
    response = enter(client, data or VALUES, **extra)
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == CONFIRM
    return confirm(client, **extra)
