"""The back office as a site: operators only, its own login, throttled like the desk's."""

from unittest import mock

import pytest
from django.contrib.auth.hashers import get_hasher

from madoguchi.backoffice.tests.conftest import url
from madoguchi.contracts.services import BACKOFFICE_LOGINS
from madoguchi.contracts.tests.pages import page_text
from madoguchi.throttling.models import LoginFailure
from madoguchi.throttling.services import message_for

LOCKED_OUT = message_for(BACKOFFICE_LOGINS, "id")

pytestmark = pytest.mark.django_db

OPERATOR_PASSWORD = "Operator-pass-123"  # OperatorFactory's


def admin_login(client, username, password, ip="127.0.0.1"):
    return client.post(url("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_b4_index_lists_the_back_office_pages_in_japanese(operator_client):
    response = operator_client.get(url("index"))
    assert response.status_code == 200
    text = page_text(response)
    assert "madoguchi バックオフィス" in text
    for title in ("ご契約", "お申込み", "監査ログ", "受信メール", "お電話での問い合わせページ"):
        assert title in text, title


def test_b4_anonymous_is_sent_to_the_back_office_login_not_the_desk_login(client):
    response = client.get(url("contracts_contract_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(url("login"))


def test_b4_operator_logs_in_with_the_back_office_login(client, operator):
    response = admin_login(client, operator.username, OPERATOR_PASSWORD)
    assert response.status_code == 302
    assert client.get(url("index")).status_code == 200


def test_b4_logged_in_customer_is_refused(customer_client, customer):
    for name in ("index", "contracts_contract_changelist", "mailcatcher_caughtmail_changelist"):
        response = customer_client.get(url(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(url("login"))
    login_page = customer_client.get(url("login"))
    assert "権限がありません" in page_text(login_page) or customer.username in page_text(login_page)


def test_b4_customer_credentials_do_not_open_the_back_office(client, customer, password):
    response = admin_login(client, customer.username, password)
    assert response.status_code == 200
    assert "スタッフアカウント" in page_text(response)
    assert client.get(url("index")).status_code == 302


def test_d1_2_five_bad_operator_logins_lock_the_back_office_login(client, operator):
    """Operators' logins are throttled too (their own scope); a lock is refused before hashing."""
    responses = [admin_login(client, operator.username, f"Wrong-{n}") for n in range(5)]
    assert [r.status_code for r in responses[:4]] == [200] * 4
    assert responses[4].status_code == 429
    assert LOCKED_OUT in page_text(responses[4])
    hasher = type(get_hasher())
    with mock.patch.object(hasher, "verify") as verify:
        locked = admin_login(client, operator.username, OPERATOR_PASSWORD)
    verify.assert_not_called()
    assert locked.status_code == 429
    assert LOCKED_OUT in page_text(locked)
    assert 'name="username"' in locked.content.decode()  # the back office's own login form
    assert "_auth_user_id" not in client.session
    assert LoginFailure.objects.filter(scope="backoffice", username=operator.username).count() == 5
    assert "このユーザー名へのログインに続けて失敗したため" in LOCKED_OUT


def test_d1_2_four_bad_operator_logins_do_not_lock(client, operator):
    for n in range(4):
        admin_login(client, operator.username, f"Wrong-{n}")
    assert admin_login(client, operator.username, OPERATOR_PASSWORD).status_code == 302
