"""Card tokens as the browser gets them from the demo provider (test helpers)."""

import json

from django.test import Client
from django.urls import reverse

from madoguchi.testing.drafts import with_draft_token

VISA = "4242424242424242"
MASTERCARD = "5555555555554444"
DECLINED = "4000000000000002"
EXPIRED = "4000000000000069"
EXPIRY = "12/39"
PUBLIC_KEY = "pk_demo_madoguchi"


def tokenize(number: str = VISA, expiry: str = EXPIRY, cvc: str = "123", **extra):
    """POST the card to the demo provider's endpoint as demopay.js does (no cookies)."""
    body = {"public_key": PUBLIC_KEY, "number": number, "expiry": expiry, "cvc": cvc, **extra}
    return Client().post(
        reverse("demopay:tokens"), json.dumps(body), content_type="application/json"
    )


def token_for(number: str = VISA, **kwargs) -> str:
    response = tokenize(number, **kwargs)
    assert response.status_code == 201, response.content.decode()
    return response.json()["token"]


def post_card(client, token: str, **extra):
    """The card form's POST (STEP1): only the token, plus whatever a test adds."""
    return client.post(reverse("payments:card"), {"card_token": token, **extra})


def apply_card(client, number: str = VISA):
    """STEP1 then 「登録」: the response of the final POST."""
    response = post_card(client, token_for(number))
    assert response.status_code == 302, response.content.decode()
    return client.post(reverse("payments:card_confirm"), with_draft_token(client, "billing_card"))
