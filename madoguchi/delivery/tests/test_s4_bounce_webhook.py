"""S4: bounce events POSTed by a relay to /bounces/webhook/ — a raw DSN or JSON events,
authenticated by a bearer token; disabled (404) without one; bad input answers 400 and
records nothing."""

import json
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from madoguchi.alerts.models import Destination
from madoguchi.delivery.models import Bounce, Delivery
from madoguchi.delivery.tests.bounce_data import owner, sample, sent, verp

pytestmark = pytest.mark.django_db

URL = "/bounces/webhook/"
TOKEN = "relay-secret-0123456789"
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@pytest.fixture(autouse=True)
def _token(settings):
    settings.BOUNCE_WEBHOOK_TOKEN = TOKEN


@pytest.fixture
def taro():
    return owner("owner@example.com", "taro@example.com", "hanako@example.jp")[0]


def post_json(client, data, **headers):
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return client.post(URL, body, content_type="application/json", **{**AUTH, **headers})


def test_s4_the_webhook_url():
    assert reverse("delivery:bounce_webhook") == URL


def test_s4_a_raw_dsn_is_recorded_by_its_x_original_to_and_once(client, taro):
    delivery = sent(taro)
    raw = sample("postfix_user_unknown.eml", verp(delivery))  # carries X-Original-To
    response = client.post(URL, raw, content_type="message/rfc822", **AUTH)
    assert response.status_code == 200
    assert response.json() == {"recorded": 1, "ignored": 0}
    again = client.post(URL, raw, content_type="message/rfc822", **AUTH)
    assert again.json() == {"recorded": 0, "ignored": 1}
    (bounce,) = Bounce.objects.all()
    assert (bounce.delivery, bounce.kind, bounce.source) == (delivery, "hard", "webhook")


def test_s4_a_raw_dsn_without_the_header_takes_the_address_from_rcpt(client, taro):
    """?rcpt= URL-encoded, or with its "+" left unencoded by a careless relay config."""
    encoded, plain = sent(taro), sent(taro)
    for delivery, query in (
        (encoded, urlencode({"rcpt": verp(encoded)})),
        (plain, f"rcpt={verp(plain)}"),
    ):
        raw = sample("over_quota_5.2.2.eml", verp(delivery))
        assert b"X-Original-To" not in raw and b"Delivered-To" not in raw
        response = client.post(f"{URL}?{query}", raw, content_type="message/rfc822", **AUTH)
        assert response.json() == {"recorded": 1, "ignored": 0}
    assert dict(Bounce.objects.values_list("delivery_id", "kind")) == {
        encoded.pk: "soft",
        plain.pk: "soft",
    }


def test_s4_json_events_bounce_and_complaint_by_event_id_once(client, taro):
    """Hard/soft by status; a complaint suspends; other types and unsigned addresses are
    ignored; the same event id again counts nothing."""
    first, second, third = sent(taro), sent(taro), sent(taro)
    events = [
        {
            "recipient_address": verp(first),
            "type": "bounce",
            "status": "5.1.1",
            "diagnostic": "smtp; 550 5.1.1 user unknown",
            "id": "evt-1",
        },
        {
            "envelope_sender": verp(second),
            "type": "bounce",
            "status": "4.2.2",
            "diagnostic": "mailbox full",
            "id": "evt-2",
        },
        {"recipient_address": verp(third), "type": "delivered", "id": "evt-3"},
        {"recipient_address": verp(third).replace("-", "-z", 1), "type": "bounce", "id": "x"},
        {"recipient_address": verp(third), "type": "complaint", "id": "evt-4"},
    ]
    response = post_json(client, {"events": events})
    assert response.status_code == 200
    assert response.json() == {"recorded": 3, "ignored": 2}
    kinds = dict(Bounce.objects.values_list("delivery_id", "kind"))
    assert kinds == {first.pk: "hard", second.pk: "soft", third.pk: "complaint"}
    assert set(Bounce.objects.values_list("source", flat=True)) == {"webhook"}
    assert Bounce.objects.get(delivery=first).status_code == "5.1.1"
    assert Delivery.objects.get(pk=third.pk).event == Delivery.Event.COMPLAINT
    taro.refresh_from_db()
    assert (taro.status, taro.suspension_reason) == ("suspended", Destination.Reason.COMPLAINT)

    again = post_json(client, {"events": events[:2]})
    assert again.json() == {"recorded": 0, "ignored": 2}
    assert Bounce.objects.count() == 3


@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": f"Basic {TOKEN}"}],
)
def test_s4_a_missing_or_wrong_token_answers_401_and_records_nothing(client, taro, headers):
    delivery = sent(taro)
    raw = sample("postfix_user_unknown.eml", verp(delivery))
    response = client.post(URL, raw, content_type="message/rfc822", **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Bounce.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ('"events"', "application/json"),
        ('{"events": "x"}', "application/json"),
        ('{"events": [1]}', "application/json"),
        ('{"events": [{"type": "bounce", "status": "5.1.1"}]}', "application/json"),
        ("", "message/rfc822"),
        ("bounce", "text/plain"),
    ],
)
def test_s4_a_body_the_webhook_cannot_read_answers_400(client, taro, body, content_type):
    response = client.post(URL, body, content_type=content_type, **AUTH)
    assert response.status_code == 400
    assert "error" in response.json()
    assert not Bounce.objects.exists()


def test_s4_one_malformed_event_records_none_of_the_batch(client, taro):
    events = [
        {"recipient_address": verp(sent(taro)), "type": "bounce", "status": "5.1.1", "id": "a"},
        {"type": "bounce", "id": "b"},
    ]
    assert post_json(client, {"events": events}).status_code == 400
    assert not Bounce.objects.exists()


def test_s4_the_webhook_is_post_only_and_absent_without_a_token(client, settings):
    assert client.get(URL, **AUTH).status_code == 405
    settings.BOUNCE_WEBHOOK_TOKEN = ""
    response = post_json(client, {"events": []})
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()
