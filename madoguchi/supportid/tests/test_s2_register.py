"""S2: registration of a support ID 入力 → 確認 → 完了, the double opt-in mail, confirmation."""

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse

from madoguchi.audit.models import AuditEntry
from madoguchi.contracts.models import User
from madoguchi.contracts.tests.pages import by_id, dom, find_all, page_text, text
from madoguchi.lib.drafts import SESSION_KEY
from madoguchi.outbox.models import Mail
from madoguchi.supportid import services
from madoguchi.supportid.models import MailToken, SupportAccount
from madoguchi.supportid.tests.journeys import (
    FLOW,
    PASSWORD,
    REGISTER,
    REGISTER_DONE,
    enter,
    link_to,
    mail_text,
    make_support_id,
    register,
    submit,
    values,
)
from madoguchi.testing.drafts import with_draft_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    # The steady answer time is measured by the enumeration test; here it only slows.
    monkeypatch.setattr(services, "STEADY_SECONDS", 0)


def steps(response) -> list[str]:
    root = dom(response)
    return [
        text(li)
        for li in find_all(
            root, lambda e: e.name == "li" and ("aria-current", "step") in e.attributes
        )
    ]


def test_s2_anyone_opens_the_registration_form(client):
    response = client.get(REGISTER)
    assert response.status_code == 200
    assert steps(response) == ["STEP1 入力"]
    body = page_text(response)
    for label in ("メールアドレス", "メールアドレス（確認用）", "お名前", "生年月日", "パスワード"):
        assert label in body
    assert "8文字以上64文字以内" in body
    assert "maxlength" not in response.content.decode()


def test_s2_register_confirm_mail_and_double_opt_in(
    client, smtp_server, django_capture_on_commit_callbacks
):
    response = enter(client, values(email="Hanako@Example.COM", email_confirm="hanako@example.com"))
    assert steps(response) == ["STEP2 確認"]
    summary = {
        text(row.children[0]): text(row.children[1])
        for row in find_all(by_id(dom(response), "register-summary"), lambda e: e.name == "tr")
    }
    assert summary == {
        "メールアドレス": "hanako@example.com",
        "お名前": "見本 花子",
        "生年月日": "1990年5月14日",
        "パスワード": "（表示しません）",
    }
    assert PASSWORD not in response.content.decode()
    assert not SupportAccount.objects.exists()  # nothing stored before 「登録する」
    # The draft keeps the password's hash only.
    draft = client.session[SESSION_KEY][FLOW]["data"]
    assert PASSWORD not in str(draft) and draft["password_hash"].startswith("argon2")

    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client)
    assert response.status_code == 302 and response["Location"] == REGISTER_DONE
    done = client.get(REGISTER_DONE)
    assert steps(done) == ["STEP3 完了"]
    assert "確認メールを送信しました" in page_text(done)

    account = SupportAccount.objects.select_related("user").get()
    assert (account.email, account.name, str(account.birth_date)) == (
        "hanako@example.com",
        "見本 花子",
        "1990-05-14",
    )
    assert account.confirmed_at is None
    user = account.user
    assert user.kind == User.Kind.SUPPORT and user.username.startswith("support:")
    assert not user.is_active and user.email == "hanako@example.com"
    assert user.check_password(PASSWORD)
    # Not usable before the link is confirmed.
    assert authenticate(username=user.username, password=PASSWORD) is None
    assert AuditEntry.objects.filter(action=services.REGISTER_ACTION).get().target == (
        "hanako@example.com"
    )

    [mail] = smtp_server.received
    assert mail.rcpt_to == ["hanako@example.com"]
    assert mail.subject.strip() == "【madoguchi】お客さまサポートIDの登録を完了してください"
    body = mail_text(mail)
    assert body.startswith("見本 花子 様\n")
    assert "「登録を完了する」ボタンを押すと、登録が完了します" in body
    assert "（24時間）" in body
    path = link_to(mail, "/register/confirm/")

    # The link opens a page with a button; the GET changes nothing (mail scanners).
    page = client.get(path)
    assert page.status_code == 200
    assert "登録を完了する" in page_text(page) and "hanako@example.com" in page_text(page)
    account.refresh_from_db()
    assert account.confirmed_at is None
    assert MailToken.objects.get().used_at is None

    response = client.post(path)
    assert response.status_code == 200
    assert "本登録が完了しました" in page_text(response)
    assert by_id(dom(response), "login-link")
    account.refresh_from_db()
    account.user.refresh_from_db()
    assert account.confirmed_at is not None and account.user.is_active
    assert AuditEntry.objects.filter(action=services.CONFIRM_ACTION, target=account.email).exists()
    assert authenticate(username=account.user.username, password=PASSWORD) == account.user

    # The same link again (a double click, a reload): a clear page, nothing changed.
    confirmed_at = account.confirmed_at
    again = client.post(path)
    assert again.status_code == 400
    assert "このURLはすでに使用されたか、無効になっています" in page_text(again)
    account.refresh_from_db()
    assert account.confirmed_at == confirmed_at
    assert AuditEntry.objects.filter(action=services.CONFIRM_ACTION).count() == 1


def test_s2_registering_a_registered_address_mails_its_owner_and_changes_nothing(
    client, smtp_server, django_capture_on_commit_callbacks
):
    owner = make_support_id("hanako@example.com", name="本来の 持ち主")
    before = (owner.user.password, owner.name, owner.birth_date)
    with django_capture_on_commit_callbacks(execute=True):
        response = register(
            client, values(email="HANAKO@example.com", email_confirm="hanako@example.com")
        )
    # Exactly what a new address gets.
    assert response.status_code == 302 and response["Location"] == REGISTER_DONE
    assert "確認メールを送信しました" in page_text(client.get(REGISTER_DONE))

    owner.refresh_from_db()
    owner.user.refresh_from_db()
    assert (owner.user.password, owner.name, owner.birth_date) == before
    assert SupportAccount.objects.count() == 1 and not MailToken.objects.exists()
    assert not AuditEntry.objects.filter(action=services.REGISTER_ACTION).exists()

    [mail] = smtp_server.received
    assert mail.rcpt_to == ["hanako@example.com"]
    assert mail.subject.strip() == "【madoguchi】お客さまサポートIDの登録についてのお知らせ"
    body = mail_text(mail)
    assert (
        "このメールアドレス（hanako@example.com）でお客さまサポートIDの登録が試みられました" in body
    )
    assert "パスワードをお忘れの場合は" in body
    assert link_to(mail, "/password/forgot/") == reverse("supportid:password_forgot")
    assert "/register/confirm/" not in body


def test_s2_a_new_registration_replaces_an_unconfirmed_one(
    client, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        register(client, values(name="最初の 人"))
    first = link_to(smtp_server.received[0], "/register/confirm/")
    other = Client()
    with django_capture_on_commit_callbacks(execute=True):
        register(
            other,
            values(
                name="二番目の 人",
                password="another-pass-2024",
                password_confirm="another-pass-2024",
            ),
        )
    second = link_to(smtp_server.received[1], "/register/confirm/")

    account = SupportAccount.objects.select_related("user").get()
    assert account.name == "二番目の 人" and account.user.check_password("another-pass-2024")
    # The first link is revoked: a clear page, nothing confirmed.
    response = client.post(first)
    assert response.status_code == 400 and "無効になっています" in page_text(response)
    account.refresh_from_db()
    assert account.confirmed_at is None
    assert other.post(second).status_code == 200
    account.refresh_from_db()
    assert account.confirmed_at is not None


def test_s2_a_double_click_on_register_sends_one_mail(client, django_capture_on_commit_callbacks):
    enter(client)
    data = with_draft_token(client, FLOW)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(REGISTER, data)
        second = client.post(REGISTER, data)
    assert first["Location"] == second["Location"] == REGISTER_DONE
    assert Mail.objects.count() == 1 and SupportAccount.objects.count() == 1


def test_s2_back_from_the_confirm_step_keeps_the_values_but_not_the_password(client):
    enter(client)
    response = client.get(REGISTER)
    html = response.content.decode()
    assert 'value="hanako@example.com"' in html and 'value="見本 花子"' in html
    assert PASSWORD not in html
    assert '<option value="1990" selected>' in html


def test_s2_a_replayed_confirm_post_without_the_draft_registers_nothing(client):
    response = client.post(REGISTER, {"draft": "0" * 32})
    assert response.status_code == 302 and response["Location"] == REGISTER
    assert not SupportAccount.objects.exists() and not Mail.objects.exists()


def test_s2_register_throttled_per_address_with_a_message(client, settings):
    settings.MAIL_FORM_LIMIT_PER_ADDRESS = 2
    for _ in range(2):
        assert register(Client()).status_code == 302
    response = register(client)
    assert response.status_code == 429
    message = text(by_id(dom(response), "limited"))
    assert "このメールアドレスへのお手続きが短時間に続いたため" in message
    assert "以降にあらためてお試しください" in message
    assert Mail.objects.count() == 2
    # A registered address gets the same answer (the count is the address's, not the ID's).
    make_support_id("known@example.com")
    for _ in range(2):
        register(Client(), values(email="known@example.com", email_confirm="known@example.com"))
    again = register(Client(), values(email="known@example.com", email_confirm="known@example.com"))
    assert again.status_code == 429
    assert text(by_id(dom(again), "limited")) == message


def test_s2_register_throttled_per_client(client, settings):
    settings.MAIL_FORM_LIMIT_PER_CLIENT = 2
    for number in range(2):
        address = f"a{number}@example.com"
        response = register(Client(), values(email=address, email_confirm=address))
        assert response.status_code == 302
    response = register(client, values(email="late@example.com", email_confirm="late@example.com"))
    assert response.status_code == 429
    assert "短時間に多くのお手続きがあったため" in text(by_id(dom(response), "limited"))
    assert not SupportAccount.objects.filter(email="late@example.com").exists()


def test_s2_confirm_button_page_of_a_deleted_registration_is_clear(
    client, django_capture_on_commit_callbacks, smtp_server
):
    with django_capture_on_commit_callbacks(execute=True):
        register(client)
    path = link_to(smtp_server.received[0], "/register/confirm/")
    User.objects.filter(kind=User.Kind.SUPPORT).delete()
    assert client.get(path).status_code == 400
    response = client.post(path)
    assert response.status_code == 400 and "このURLは無効です" in page_text(response)
