"""D6.1: the demo provider's tokenization endpoint and token resolution (test numbers)."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.demopay import services
from madoguchi.demopay.models import IssuedToken
from madoguchi.payments import providers
from madoguchi.payments.providers import get_provider
from madoguchi.payments.tests.helpers import DECLINED, EXPIRED, MASTERCARD, VISA, tokenize

pytestmark = pytest.mark.django_db


def error_of(response) -> tuple[str, str]:
    error = response.json()["error"]
    return error["field"], error["message"]


@pytest.mark.parametrize(
    ("number", "brand", "last4"),
    [
        (VISA, "VISA", "4242"),
        ("4242 4242 4242 4242", "VISA", "4242"),
        ("４２４２-４２４２-４２４２-４２４２", "VISA", "4242"),  # full-width, hyphens
        (MASTERCARD, "Mastercard", "4444"),
        ("3530111333300000", "JCB", "0000"),
    ],
)
def test_d6_1_demo_accepts_test_numbers_and_keeps_only_brand_last4_expiry(number, brand, last4):
    response = tokenize(number)
    assert response.status_code == 201
    token = response.json()["token"]
    assert token.startswith("tok_")
    issued = IssuedToken.objects.get(token=token)
    assert (issued.brand, issued.last4, issued.expiry) == (brand, last4, "12/39")
    stored = [str(value) for value in IssuedToken.objects.values().get().values()]
    assert not [v for v in stored if "4242424242424242" in v or "5555555555554444" in v]
    assert "123" not in stored  # the security code is never kept
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("card", "field", "message"),
    [
        ({"number": "4242424242424241"}, "number", services.NUMBER_CHECK),  # Luhn
        ({"number": "1234"}, "number", services.NUMBER_FORMAT),
        ({"number": ""}, "number", services.NUMBER_FORMAT),
        ({"number": "4242x42424242424"}, "number", services.NUMBER_FORMAT),
        ({"number": "<b>4242</b>"}, "number", services.NUMBER_FORMAT),
        ({"number": "6011111111111117"}, "number", services.BRAND_UNKNOWN),
        ({"expiry": "13/30"}, "expiry", services.EXPIRY_FORMAT),
        ({"expiry": "1230x"}, "expiry", services.EXPIRY_FORMAT),
        ({"expiry": "01/20"}, "expiry", services.EXPIRY_PAST),
        ({"cvc": "12"}, "cvc", services.CVC_FORMAT),
        ({"cvc": "abc"}, "cvc", services.CVC_FORMAT),
        ({"number": "378282246310005", "cvc": "123"}, "cvc", services.CVC_FORMAT),
    ],
)
def test_d6_1_demo_refuses_bad_card_input_beside_its_field(card, field, message):
    response = tokenize(**card)
    assert response.status_code == 400
    assert error_of(response) == (field, message)
    assert not IssuedToken.objects.exists()


def test_d6_1_demo_refuses_a_wrong_public_key():
    response = tokenize(public_key="pk_wrong")
    assert response.status_code == 401
    assert error_of(response) == ("key", services.BAD_KEY)
    assert not IssuedToken.objects.exists()


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'"x"', b"{" + b"a" * 5000])
def test_d6_1_demo_refuses_malformed_requests(body):
    response = Client().post(reverse("demopay:tokens"), body, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)[1] == "カード情報を送信できませんでした。もう一度お試しください。"


def test_d6_1_demo_endpoint_answers_preflight_and_only_post():
    client = Client()
    preflight = client.options(reverse("demopay:tokens"))
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    assert client.get(reverse("demopay:tokens")).status_code == 405


def test_d6_1_demo_expired_month_is_still_valid_until_its_end():
    with time_machine.travel("2030-06-30 23:00 +09:00"):
        assert tokenize(expiry="06/30").status_code == 201
    with time_machine.travel("2030-07-01 00:01 +09:00"):
        assert error_of(tokenize(expiry="06/30")) == ("expiry", services.EXPIRY_PAST)


def test_d6_1_resolve_gives_a_card_reference_once():
    token = tokenize().json()["token"]
    card = get_provider().resolve(token)
    assert card.token.startswith("card_") and card.token != token
    assert (card.brand, card.last4, card.expiry) == ("VISA", "4242", "12/39")
    with pytest.raises(providers.TokenUsed):
        get_provider().resolve(token)


@pytest.mark.parametrize(
    ("number", "error"), [(DECLINED, providers.CardDeclined), (EXPIRED, providers.CardExpired)]
)
def test_d6_1_declined_and_expired_cards_are_refused_at_resolution_and_used_up(number, error):
    token = tokenize(number).json()["token"]
    with pytest.raises(error):
        get_provider().resolve(token)
    with pytest.raises(providers.TokenUsed):
        get_provider().resolve(token)
    assert IssuedToken.objects.get(token=token).card_reference == ""


def test_d6_1_forged_and_stale_tokens_are_invalid(settings):
    with pytest.raises(providers.InvalidToken):
        get_provider().resolve("tok_forged")
    token = tokenize().json()["token"]
    later = timezone.now() + timezone.timedelta(seconds=settings.DEMOPAY_TOKEN_TTL_SECONDS + 1)
    with time_machine.travel(later), pytest.raises(providers.InvalidToken):
        get_provider().resolve(token)


def test_d6_1_the_demo_provider_is_not_served_when_disabled(settings):
    from importlib import reload

    from django.urls import clear_url_caches

    import madoguchi.urls

    settings.DEMOPAY_ENABLED = False
    try:
        reload(madoguchi.urls)
        clear_url_caches()
        assert Client().post("/demopay/v1/tokens/").status_code == 404
    finally:
        settings.DEMOPAY_ENABLED = True
        reload(madoguchi.urls)
        clear_url_caches()
