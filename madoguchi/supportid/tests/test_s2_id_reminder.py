"""S2: 「IDを忘れました」: a reminder goes to the address only if it is a confirmed ID's; the
same page either way; X5: a bad address beside the field; throttled with a message."""

import pytest

from madoguchi.contracts.tests.pages import by_id, dom, field_errors, text
from madoguchi.outbox.models import Mail
from madoguchi.supportid import services
from madoguchi.supportid.tests.journeys import REMINDER, link_to, mail_text, make_support_id

pytestmark = pytest.mark.django_db

SENT = (
    "ご入力のメールアドレスがお客さまサポートIDとして登録されている場合は、"
    "そのメールアドレスにお知らせをお送りしました。"
)


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(services, "STEADY_SECONDS", 0)


def test_s2_id_reminder_mails_a_registered_address(
    client, smtp_server, django_capture_on_commit_callbacks
):
    make_support_id("taro@example.com", name="見本 太郎")
    page = client.get(REMINDER)
    assert page.status_code == 200 and "IDを忘れました" in text(dom(page))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REMINDER, {"email": "TARO@example.com"})
    assert response.status_code == 200
    assert text(by_id(dom(response), "sent-state")) == SENT
    [mail] = smtp_server.received
    assert mail.rcpt_to == ["taro@example.com"]
    assert mail.subject.strip() == "【madoguchi】お客さまサポートIDのお知らせ"
    body = mail_text(mail)
    assert body.startswith("見本 太郎 様\n")
    assert "お客さまサポートIDは、このメールアドレスです。" in body
    assert "お客さまサポートID：taro@example.com" in body
    assert link_to(mail, "/support/login/") == "/support/login/"


def test_s2_id_reminder_sends_nothing_for_unknown_or_unconfirmed_addresses(client):
    make_support_id("pending@example.com", confirmed=False)
    for address in ("nobody@example.com", "pending@example.com"):
        response = client.post(REMINDER, {"email": address})
        assert response.status_code == 200
        assert text(by_id(dom(response), "sent-state")) == SENT
    assert not Mail.objects.exists()


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "メールアドレスを入力してください。"),
        (
            "@example.com",
            "メールアドレスを正しい形式（例：taro@example.co.jp）で入力してください。",
        ),
        ("a" * 250 + "@example.com", "メールアドレスは254文字以内で入力してください。"),
    ],
)
def test_x5_s2_id_reminder_bad_address_beside_the_field(client, email, message):
    response = client.post(REMINDER, {"email": email})
    assert response.status_code == 200
    assert field_errors(response, "email") == [message]
    assert not Mail.objects.exists()


def test_s2_id_reminder_throttled_per_client_with_a_message(client, settings):
    settings.MAIL_FORM_LIMIT_PER_CLIENT = 2
    make_support_id("taro@example.com")
    client.post(REMINDER, {"email": "a@example.com"})
    client.post(REMINDER, {"email": "taro@example.com"})
    response = client.post(REMINDER, {"email": "taro@example.com"})
    assert response.status_code == 429
    assert "短時間に多くのお手続きがあったため" in text(by_id(dom(response), "limited"))
    assert Mail.objects.count() == 1
