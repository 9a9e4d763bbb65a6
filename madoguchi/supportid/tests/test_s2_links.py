"""S2, X5: the mailed links of registration and password reset with a bad token — expired,
used, altered, of another purpose, unknown, garbage — give a clear page and change nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from madoguchi.alerts.models import AlertSettings
from madoguchi.contracts.tests.pages import by_id, dom, page_text, text
from madoguchi.supportid import tokens
from madoguchi.supportid.models import MailToken
from madoguchi.supportid.tests.journeys import NEW_PASSWORD, PASSWORD, make_support_id

pytestmark = pytest.mark.django_db

CONFIRM = MailToken.Purpose.CONFIRM
RESET = MailToken.Purpose.RESET
UNKNOWN = (
    "このURLは無効です。メールに記載されたURLを、途中で改行されていないかご確認のうえ、"
    "そのまま開いてください。"
)
USED = "このURLはすでに使用されたか、無効になっています。"
EXPIRED = "このURLは有効期限が切れています。"


def confirm_url(token: str) -> str:
    return reverse("supportid:confirm", args=[token])


def reset_url(token: str) -> str:
    return reverse("supportid:password_reset", args=[token])


@pytest.fixture
def pending():
    return make_support_id("pending@example.com", confirmed=False)


def assert_unconfirmed(account):
    account.refresh_from_db()
    account.user.refresh_from_db()
    assert account.confirmed_at is None and not account.user.is_active
    assert not AlertSettings.objects.filter(account=account).exists()


def altered(token: str) -> str:
    selector, verifier = token.split(".")
    return f"{selector}.{'A' if verifier[0] != 'A' else 'B'}{verifier[1:]}"


def bad_confirm_tokens(account) -> list[tuple[str, str, str]]:
    """(what, token, message) for each way a confirmation token can be bad."""
    expired = tokens.issue(
        account, CONFIRM, lifetime=timedelta(hours=24), now=timezone.now() - timedelta(hours=25)
    )
    used = tokens.issue(account, CONFIRM, lifetime=timedelta(hours=24))
    MailToken.objects.filter(selector=used.split(".")[0]).update(used_at=timezone.now())
    good = tokens.issue(account, CONFIRM, lifetime=timedelta(hours=24))
    reset = tokens.issue(account, RESET, lifetime=timedelta(hours=1))
    return [
        ("expired", expired, EXPIRED),
        ("used", used, USED),
        ("altered", altered(good), UNKNOWN),
        ("another purpose", reset, UNKNOWN),
        ("unknown", "abc.def", UNKNOWN),
        ("garbage", "no-dot-at-all", UNKNOWN),
        ("too long", "a." + "b" * 300, UNKNOWN),
    ]


def test_s2_x5_bad_confirmation_links_give_a_clear_page_and_confirm_nothing(client, pending):
    for what, token, message in bad_confirm_tokens(pending):
        for method in (client.get, client.post):
            response = method(confirm_url(token))
            assert response.status_code == 400, (what, method)
            assert text(by_id(dom(response), "token-state")) == message, what
            assert "新規登録" in page_text(response)
        assert_unconfirmed(pending)


def test_s2_confirmation_page_get_spends_nothing_and_an_expired_one_stays_expired(client, pending):
    token = tokens.issue(pending, CONFIRM, lifetime=timedelta(hours=24))
    for _ in range(3):
        assert "登録を完了する" in page_text(client.get(confirm_url(token)))
    assert MailToken.objects.get().used_at is None
    MailToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(confirm_url(token))
    assert response.status_code == 400 and EXPIRED in page_text(response)
    assert_unconfirmed(pending)


def test_s2_x5_bad_reset_links_give_a_clear_page_and_change_no_password(client):
    account = make_support_id()
    expired = tokens.issue(
        account, RESET, lifetime=timedelta(hours=1), now=timezone.now() - timedelta(hours=2)
    )
    used = tokens.issue(account, RESET, lifetime=timedelta(hours=1))
    MailToken.objects.filter(selector=used.split(".")[0]).update(used_at=timezone.now())
    good = tokens.issue(account, RESET, lifetime=timedelta(hours=1))
    confirm = tokens.issue(account, CONFIRM, lifetime=timedelta(hours=1))
    pending = make_support_id("pending@example.com", confirmed=False)
    of_pending = tokens.issue(pending, RESET, lifetime=timedelta(hours=1))
    data = {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    for what, token, message in [
        ("expired", expired, EXPIRED),
        ("used", used, USED),
        ("altered", altered(good), UNKNOWN),
        ("another purpose", confirm, UNKNOWN),
        ("an unconfirmed ID's", of_pending, UNKNOWN),
        ("unknown", "abc.def", UNKNOWN),
    ]:
        for response in (client.get(reset_url(token)), client.post(reset_url(token), data)):
            assert response.status_code == 400, what
            assert text(by_id(dom(response), "token-state")) == message, what
            assert "パスワードを忘れました" in page_text(response)
    account.user.refresh_from_db()
    assert account.user.check_password(PASSWORD)
    assert MailToken.objects.get(selector=good.split(".")[0]).used_at is None
