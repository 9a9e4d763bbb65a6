"""D6.1: PAYMENT_PROVIDER chooses the adapter; its browser sources reach the CSP of the card
page only."""

import pytest

from madoguchi.contracts.tests.pages import attr, by_id, dom, find_all
from madoguchi.payments import providers
from madoguchi.payments.tests.helpers import post_card

pytestmark = pytest.mark.django_db


class FakeProvider(providers.PaymentProvider):
    name = "テスト決済"

    def __init__(self, origin: str):
        self.origin = origin

    def browser(self):
        return providers.Browser(
            script_url=f"{self.origin}/v3/cards.js",
            attributes={"data-fake-key": "pk_test"},
            csp={"script-src": [self.origin], "frame-src": [self.origin]},
        )

    def resolve(self, token):
        if token == "tok_ok":
            return providers.Card(token="cus_1", brand="JCB", last4="0000", expiry="03/31")
        raise providers.CardDeclined()


@pytest.fixture
def fake_provider(settings):
    settings.PAYMENT_PROVIDER = f"{__name__}.FakeProvider"
    settings.PAYMENT_PROVIDER_OPTIONS = {"origin": "https://js.pay.example"}


def test_d6_1_the_setting_chooses_the_adapter_and_its_csp_sources(customer_client, fake_provider):
    response = customer_client.get("/desk/billing/card/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' https://js.pay.example" in policy
    assert "frame-src 'self' https://js.pay.example" in policy
    assert "'unsafe-inline'" not in policy
    root = dom(response)
    assert attr(by_id(root, "card-form"), "data-fake-key") == "pk_test"
    scripts = [attr(s, "src") for s in find_all(root, lambda e: e.name == "script")]
    assert scripts == ["https://js.pay.example/v3/cards.js"]
    # Other pages keep the strict policy.
    status = customer_client.get("/desk/")["Content-Security-Policy"]
    assert "js.pay.example" not in status


def test_d6_1_the_adapter_resolves_the_token(customer_client, fake_provider):
    assert post_card(customer_client, "tok_ok").status_code == 302
    assert (
        "カード会社により承認されませんでした"
        in post_card(customer_client, "tok_no").content.decode()
    )


def test_d6_1_the_demo_page_keeps_the_strict_policy(customer_client):
    policy = customer_client.get("/desk/billing/card/")["Content-Security-Policy"]
    assert "script-src 'self';" in policy + ";"
    assert "connect-src" not in policy  # default-src 'self' covers the same-origin demo


def test_d6_1_a_demo_provider_elsewhere_is_allowed_by_origin(customer_client, settings):
    settings.PAYMENT_PROVIDER_OPTIONS = {"base_url": "http://127.0.0.1:9000"}
    response = customer_client.get("/desk/billing/card/")
    policy = response["Content-Security-Policy"]
    assert "connect-src 'self' http://127.0.0.1:9000" in policy
    form = by_id(dom(response), "card-form")
    assert attr(form, "data-demopay-endpoint") == "http://127.0.0.1:9000/demopay/v1/tokens/"


def test_d6_1_errors_never_carry_the_token():
    error = providers.TokenUsed()
    assert str(error) == "token_used"


def test_d6_1_without_a_usable_provider_no_card_change_is_offered(customer_client, settings):
    """Fails closed: production turns the bundled demo provider off; until a real adapter is
    configured, the menu leaves the item out and its pages refuse (no broken page, no 500)."""
    settings.DEMOPAY_ENABLED = False
    status = customer_client.get("/desk/")
    assert "お支払い方法（クレジットカードへ）" not in status.content.decode()
    billing = customer_client.get("/desk/billing/").content.decode()
    assert "/desk/billing/card/" not in billing
    response = customer_client.get("/desk/billing/card/")
    assert response.status_code == 403
    assert "このお手続きはオンラインではご利用いただけません。" in response.content.decode()
    assert customer_client.post("/desk/billing/card/", {"card_token": "x"}).status_code == 403
