"""S2: 退会 — explanation, the current password, a confirm step; the ID is deleted with its
settings, destinations and tokens, the browser logged out, the address mailed, audited.
A double submit does it once; X5: a wrong password beside the field, nothing deleted."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from madoguchi.alerts.models import AlertSettings, Destination
from madoguchi.audit.models import AuditEntry
from madoguchi.contracts.models import User
from madoguchi.contracts.tests.pages import by_id, dom, field_errors, page_text, text
from madoguchi.outbox.models import Mail
from madoguchi.supportid import services, tokens
from madoguchi.supportid.models import MailToken, SupportAccount
from madoguchi.supportid.tests.journeys import (
    MYMENU,
    PASSWORD,
    WITHDRAW,
    WITHDRAW_FLOW,
    mail_text,
    make_support_id,
)
from madoguchi.testing.drafts import with_draft_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    account = make_support_id("taro@example.com", name="見本 太郎")
    now = timezone.now()
    Destination.objects.create(
        account=account, slot=1, address="keitai@example.jp", status="active", created_at=now
    )
    Destination.objects.create(account=account, slot=2, address="pc@example.jp", created_at=now)
    tokens.issue(account, MailToken.Purpose.RESET, lifetime=timedelta(hours=1))
    return account


@pytest.fixture
def logged_in(client, account):
    client.force_login(account.user)
    return client


def test_s2_withdraw_deletes_the_id_settings_and_destinations(
    logged_in, account, smtp_server, django_capture_on_commit_callbacks
):
    other = Client()
    other.force_login(account.user)
    page = logged_in.get(WITHDRAW)
    assert page.status_code == 200
    explain = text(by_id(dom(page), "withdraw-explain"))
    assert "工事・故障情報メールの設定と、登録した配信先メールアドレス（2件）が削除され" in explain
    assert "工事・故障情報メールの配信が止まります" in explain

    confirm = logged_in.post(WITHDRAW, {"current_password": PASSWORD})
    assert confirm.status_code == 200
    assert "元に戻せません" in text(by_id(dom(confirm), "withdraw-warning"))
    assert SupportAccount.objects.exists()  # nothing deleted before the confirm step

    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(WITHDRAW, with_draft_token(logged_in, WITHDRAW_FLOW))
    assert response.status_code == 302 and response["Location"] == "/support/"
    top = logged_in.get("/support/")
    assert "お客さまサポートIDを退会しました" in page_text(top)
    assert not User.objects.filter(pk=account.user_id).exists()
    assert not SupportAccount.objects.exists()
    assert not AlertSettings.objects.exists() and not Destination.objects.exists()
    assert not MailToken.objects.exists()
    assert logged_in.get(MYMENU).status_code == 302  # logged out
    assert other.get(MYMENU).status_code == 302  # every session of the ID is gone
    entry = AuditEntry.objects.get(action=services.WITHDRAW_ACTION)
    assert entry.target == "taro@example.com" and entry.actor is None

    [mail] = smtp_server.received
    assert mail.rcpt_to == ["taro@example.com"]
    assert mail.subject.strip() == "【madoguchi】お客さまサポートIDの退会手続きが完了しました"
    assert "工事・故障情報メールの配信を停止しました" in mail_text(mail)


def test_s2_withdraw_double_submit_does_it_once(logged_in, account):
    logged_in.post(WITHDRAW, {"current_password": PASSWORD})
    data = with_draft_token(logged_in, WITHDRAW_FLOW)
    first = logged_in.post(WITHDRAW, data)
    second = logged_in.post(WITHDRAW, data)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == "/support/"
    assert Mail.objects.count() == 1
    assert AuditEntry.objects.filter(action=services.WITHDRAW_ACTION).count() == 1


def test_s2_withdraw_service_twice_is_harmless(account):
    user = account.user
    assert services.withdraw(user, ip=None) == "taro@example.com"
    assert services.withdraw(user, ip=None) is None
    assert Mail.objects.count() == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "現在のパスワードを入力してください。"),
        ("not-my-password", "現在のパスワードが正しくありません。"),
    ],
)
def test_x5_s2_withdraw_needs_the_current_password(logged_in, account, password, message):
    response = logged_in.post(WITHDRAW, {"current_password": password})
    assert response.status_code == 200
    assert field_errors(response, "current_password") == [message]
    assert 'id="withdraw-warning"' not in response.content.decode()  # no confirm step
    assert SupportAccount.objects.exists() and Destination.objects.count() == 2


def test_x5_s2_withdraw_without_the_confirm_step_deletes_nothing(logged_in, account):
    response = logged_in.post(WITHDRAW, {"draft": "f" * 32})
    assert response.status_code == 302
    assert SupportAccount.objects.exists()
    assert logged_in.get(MYMENU).status_code == 200
