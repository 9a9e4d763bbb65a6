"""S2: password change (current password required, other sessions end, a mail without the
password) and 「パスワードを忘れました」 (a single-use link for one hour, only to an ID's
address, all sessions end); X5: every error beside its field, nothing changed."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.audit.models import AuditEntry
from madoguchi.contracts.tests.pages import by_id, dom, field_errors, page_text, text
from madoguchi.outbox.models import Mail
from madoguchi.supportid import services
from madoguchi.supportid.models import MailToken
from madoguchi.supportid.tests.journeys import (
    ACCOUNT,
    FORGOT,
    MYMENU,
    NEW_PASSWORD,
    PASSWORD,
    PASSWORD_CHANGE,
    link_to,
    mail_text,
    make_support_id,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(services, "STEADY_SECONDS", 0)


@pytest.fixture
def account():
    return make_support_id("taro@example.com")


def logged_in(account) -> Client:
    client = Client()
    client.force_login(account.user)
    assert client.get(MYMENU).status_code == 200
    return client


def is_logged_in(client: Client) -> bool:
    return client.get(MYMENU).status_code == 200


# --- パスワードの変更 ----------------------------------------------------------------------------


def test_s2_password_change_keeps_this_session_ends_the_others_and_mails(
    account, smtp_server, django_capture_on_commit_callbacks
):
    client, other = logged_in(account), logged_in(account)
    page = client.get(PASSWORD_CHANGE)
    assert page.status_code == 200 and "8文字以上64文字以内" in page_text(page)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            PASSWORD_CHANGE,
            {
                "current_password": PASSWORD,
                "password": NEW_PASSWORD,
                "password_confirm": NEW_PASSWORD,
            },
        )
    assert response.status_code == 302 and response["Location"] == ACCOUNT
    shown = client.get(ACCOUNT)
    assert (
        "パスワードを変更しました。ほかの端末やブラウザでのログインは終了しました。"
        in page_text(shown)
    )
    account.user.refresh_from_db()
    assert account.user.check_password(NEW_PASSWORD) and account.user.password_changed_at
    assert is_logged_in(client)
    assert not is_logged_in(other)  # the other session ended
    entry = AuditEntry.objects.get(action=services.PASSWORD_ACTION)
    assert entry.target == "taro@example.com"
    assert NEW_PASSWORD not in str(entry.before) + str(entry.after)

    [mail] = smtp_server.received
    assert mail.rcpt_to == ["taro@example.com"]
    assert mail.subject.strip() == "【madoguchi】お客さまサポートIDのパスワードを変更しました"
    body = mail_text(mail)
    assert "お客さまサポートID（taro@example.com）のパスワードを変更しました" in body
    assert NEW_PASSWORD not in body and PASSWORD not in body


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"current_password": ""}, "current_password", "現在のパスワードを入力してください。"),
        (
            {"current_password": "wrong-password-1"},
            "current_password",
            "現在のパスワードが正しくありません。",
        ),
        (
            {"password": "", "password_confirm": ""},
            "password",
            "新しいパスワードを入力してください。",
        ),
        (
            {"password": "abc1234", "password_confirm": "abc1234"},
            "password",
            "パスワードは8文字以上で入力してください（入力された文字数：7文字）。",
        ),
        (
            {"password": "x" * 65, "password_confirm": "x" * 65},
            "password",
            "パスワードは64文字以内で入力してください（入力された文字数：65文字）。",
        ),
        (
            {"password": "qwertyuiop", "password_confirm": "qwertyuiop"},
            "password",
            "このパスワードはよく使われていて推測されやすいため、ご利用いただけません。"
            "別のパスワードを入力してください。",
        ),
        (
            {"password": "taro@example.com", "password_confirm": "taro@example.com"},
            "password",
            "メールアドレスと同じパスワードはご利用いただけません。",
        ),
        (
            {"password_confirm": NEW_PASSWORD + "!"},
            "password_confirm",
            "パスワードとパスワード（確認用）が一致しません。",
        ),
    ],
)
def test_x5_s2_password_change_errors_beside_the_field(account, data, field, message):
    client = logged_in(account)
    response = client.post(
        PASSWORD_CHANGE,
        {
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
            **data,
        },
    )
    assert response.status_code == 200
    assert message in field_errors(response, field)
    account.user.refresh_from_db()
    assert account.user.check_password(PASSWORD)
    assert not Mail.objects.exists() and not AuditEntry.objects.exists()
    assert "maxlength" not in response.content.decode()


# --- パスワードを忘れました ---------------------------------------------------------------------


def test_s2_password_reset_journey(account, smtp_server, django_capture_on_commit_callbacks):
    other = logged_in(account)
    client = Client()
    assert client.get(FORGOT).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(FORGOT, {"email": "Taro@Example.com"})
    assert response.status_code == 200
    assert "パスワードを再設定するためのURLをお送りしました" in text(
        by_id(dom(response), "sent-state")
    )

    [mail] = smtp_server.received
    assert mail.rcpt_to == ["taro@example.com"]
    assert mail.subject.strip() == "【madoguchi】お客さまサポートIDのパスワード再設定"
    assert "（60分間）" in mail_text(mail)
    path = link_to(mail, "/password/reset/")

    # The link opens the form; the GET spends nothing.
    page = client.get(path)
    assert page.status_code == 200 and "再設定する" in page_text(page)
    assert MailToken.objects.get().used_at is None
    # A bad new password: the form again, the token still good.
    bad = client.post(path, {"password": "short", "password_confirm": "short"})
    assert field_errors(bad, "password") == [
        "パスワードは8文字以上で入力してください（入力された文字数：5文字）。"
    ]
    assert MailToken.objects.get().used_at is None

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert done.status_code == 200
    assert "パスワードを再設定しました" in text(by_id(dom(done), "reset-state"))
    account.user.refresh_from_db()
    assert account.user.check_password(NEW_PASSWORD)
    assert not is_logged_in(other)  # every session of the ID ended
    assert AuditEntry.objects.filter(
        action=services.RESET_ACTION, target="taro@example.com"
    ).exists()
    changed = smtp_server.received[1]
    assert changed.subject.strip() == "【madoguchi】お客さまサポートIDのパスワードを再設定しました"
    assert NEW_PASSWORD not in mail_text(changed)

    # Single use: the same link again is a clear page, the password stays.
    again = client.post(
        path, {"password": "third-pass-2024", "password_confirm": "third-pass-2024"}
    )
    assert again.status_code == 400
    assert "このURLはすでに使用されたか、無効になっています" in page_text(again)
    account.user.refresh_from_db()
    assert account.user.check_password(NEW_PASSWORD)


def test_s2_password_reset_new_link_revokes_the_older(account, client):
    client.post(FORGOT, {"email": "taro@example.com"})
    client.post(FORGOT, {"email": "taro@example.com"})
    first, second = (link_to_text(mail.context["link"]) for mail in Mail.objects.order_by("pk"))
    assert client.get(first).status_code == 400
    assert client.get(second).status_code == 200


def test_s2_password_reset_link_lasts_one_hour(account, client):
    services.request_reset("taro@example.com", link_base="http://testserver/")
    [mail] = Mail.objects.all()
    path = link_to_text(mail.context["link"])
    token = MailToken.objects.get()
    assert token.expires_at - token.created_at == timedelta(hours=1)
    MailToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 400 and "有効期限が切れています" in page_text(response)
    account.user.refresh_from_db()
    assert account.user.check_password(PASSWORD)


def link_to_text(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_s2_password_reset_mails_nothing_to_unknown_or_unconfirmed_addresses(client, account):
    make_support_id("pending@example.com", confirmed=False)
    for address in ("nobody@example.com", "pending@example.com"):
        response = client.post(FORGOT, {"email": address})
        assert response.status_code == 200
        assert "パスワードを再設定するためのURLをお送りしました" in page_text(response)
    assert not Mail.objects.exists() and not MailToken.objects.exists()


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "メールアドレスを入力してください。"),
        ("taro", "メールアドレスを正しい形式（例：taro@example.co.jp）で入力してください。"),
        ("ta\u0007ro@example.com", "メールアドレスに使用できない制御文字が含まれています。"),
    ],
)
def test_x5_s2_password_forgot_bad_address_beside_the_field(client, account, email, message):
    response = client.post(FORGOT, {"email": email})
    assert response.status_code == 200
    assert field_errors(response, "email") == [message]
    assert not Mail.objects.exists()


def test_s2_password_forgot_throttled_with_a_message(client, account, settings):
    settings.MAIL_FORM_LIMIT_PER_ADDRESS = 3
    for _ in range(3):
        assert client.post(FORGOT, {"email": "taro@example.com"}).status_code == 200
    response = client.post(FORGOT, {"email": "taro@example.com"})
    assert response.status_code == 429
    assert "以降にあらためてお試しください" in text(by_id(dom(response), "limited"))
    assert Mail.objects.count() == 3
    # The same answer for an address without an ID.
    for _ in range(3):
        client.post(FORGOT, {"email": "nobody@example.com"})
    unknown = client.post(FORGOT, {"email": "nobody@example.com"})
    assert unknown.status_code == 429
    assert text(by_id(dom(unknown), "limited")) == text(by_id(dom(response), "limited"))


def test_s2_password_reset_of_a_logged_in_browser_logs_it_out(account, client):
    client.force_login(account.user)
    services.request_reset("taro@example.com", link_base="http://testserver/")
    path = link_to_text(Mail.objects.get().context["link"])
    response = client.post(path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 200
    assert client.get(MYMENU).status_code == 302
    assert reverse("support:login") in client.get(MYMENU)["Location"]
