"""D1.2: the throttling mechanism itself: device entries, the purge, the back office's lock list.

The login pages' behaviour is proven in contracts/tests/test_login_throttling.py.
"""

import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse

from madoguchi.audit.models import AuditEntry
from madoguchi.backoffice.tests.conftest import url
from madoguchi.contracts.services import DESK_LOGINS
from madoguchi.contracts.tests.factories import DeskUserFactory, OperatorFactory
from madoguchi.contracts.tests.pages import page_text, post_login
from madoguchi.throttling import services
from madoguchi.throttling.models import LoginFailure, LoginLock

pytestmark = pytest.mark.django_db

START = datetime(2024, 1, 11, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo
COOKIE = DESK_LOGINS.cookie_name
OPERATOR_PASSWORD = "Operator-pass-123"  # OperatorFactory's


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def test_d1_2_a_browser_keeps_device_entries_for_the_newest_ids_only(password):
    browser = Client()
    users = [DeskUserFactory() for _ in range(services.MAX_DEVICE_ENTRIES + 2)]
    for user in users:
        assert post_login(browser, user.username, password).status_code == 302
        browser.post(reverse("desk:logout"))
    request = RequestFactory().get("/", HTTP_COOKIE=f"{COOKIE}={browser.cookies[COOKIE].value}")
    remembered = [services.device_of(DESK_LOGINS, request, user.username) for user in users]
    assert [bool(device) for device in remembered] == [False] * 2 + [True] * 8
    assert len(set(remembered[2:])) == 8  # one id per ID
    assert len(browser.cookies[COOKIE].value) < 4000  # fits a browser's cookie


def test_d1_2_a_new_login_gives_the_browser_a_new_device_id(customer, password):
    browser = Client()
    post_login(browser, customer.username, password)
    first = browser.cookies[COOKIE].value
    browser.post(reverse("desk:logout"))
    post_login(browser, customer.username, password)
    assert browser.cookies[COOKIE].value != first
    assert len(browser.cookies[COOKIE].value.split("|")) == 1


def test_d1_2_garbage_in_the_device_cookie_is_ignored(client, customer, password):
    client.cookies[COOKIE] = "x|y:z|" + "a" * 3000
    assert post_login(client, customer.username, password).status_code == 302
    assert len(client.cookies[COOKIE].value.split("|")) == 1


def test_d1_2_purge_deletes_what_no_longer_counts(customer, time_machine):
    time_machine.move_to(START, tick=False)
    for n in range(5):
        post_login(Client(), customer.username, f"Wrong-{n}", ip="10.6.6.6")
    post_login(Client(), "other@biz.example.ne.jp", "Wrong-1", ip="10.6.6.6")
    time_machine.shift(timedelta(minutes=10))
    post_login(Client(), "other@biz.example.ne.jp", "Wrong-2", ip="10.6.6.6")
    time_machine.shift(timedelta(minutes=5, seconds=1))
    out = StringIO()
    call_command("purge_login_throttling", stdout=out)
    assert out.getvalue().strip() == (
        "purged 6 login failure(s), 1 ended lock(s), 0 past form count(s)"
    )
    assert list(LoginFailure.objects.values_list("username", flat=True)) == [
        "other@biz.example.ne.jp"
    ]
    assert not LoginLock.objects.exists()


def test_d1_2_purge_keeps_a_lock_that_holds(customer, time_machine):
    time_machine.move_to(START, tick=False)
    for n in range(5):
        post_login(Client(), customer.username, f"Wrong-{n}")
    time_machine.shift(timedelta(minutes=14))
    assert services.purge() == (0, 0)
    assert services.lock_state(DESK_LOGINS, customer.username).locked


def test_b4_d1_2_the_back_office_lists_the_locks_that_hold_now(
    operator_client, customer, settings, time_machine
):
    time_machine.move_to(START, tick=False)
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 7
    for n in range(5):
        post_login(Client(), customer.username, f"Wrong-{n}", ip="10.6.6.6")
    for n in range(2):
        post_login(Client(), f"list{n}@biz.example.ne.jp", "Wrong-1", ip="10.6.6.6")
    response = operator_client.get(url("throttling_loginlock_changelist"))
    assert response.status_code == 200
    text = page_text(response)
    assert "ログインロック" in text
    assert "カスタマサポートデスク" in text
    assert customer.username in text and "10.6.6.6" in text and "IPアドレス" in text
    assert "2024年1月11日9:15" in text.replace(" ", "")  # until when, in Tokyo time
    assert {(lock.kind, lock.key) for lock in response.context["cl"].result_list} == {
        ("id", customer.username),
        ("address", "10.6.6.6"),
    }
    # Nothing to add, edit or delete by hand.
    assert operator_client.get(url("throttling_loginlock_add")).status_code == 403
    time_machine.shift(timedelta(minutes=15, seconds=1))
    ended = operator_client.get(url("throttling_loginlock_changelist"))
    assert len(ended.context["cl"].result_list) == 0  # ended locks are not shown


def test_b4_d1_2_the_lock_list_lifts_locks_audited(
    operator_client, operator, customer, password, settings
):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 7
    for n in range(5):
        post_login(Client(), customer.username, f"Wrong-{n}", ip="10.6.6.6")
    for n in range(2):
        post_login(Client(), f"list{n}@biz.example.ne.jp", "Wrong-1", ip="10.6.6.6")
    assert post_login(Client(), customer.username, password, ip="10.0.0.1").status_code == 429
    assert post_login(Client(), "x@biz.example.ne.jp", "y", ip="10.6.6.6").status_code == 429
    response = operator_client.post(
        url("throttling_loginlock_changelist"),
        {
            "action": "lift",
            "_selected_action": list(LoginLock.objects.values_list("pk", flat=True)),
        },
        follow=True,
    )
    lifted = re.search(r"ログインロックを解除しました：(\S+)", page_text(response)).group(1)
    assert sorted(lifted.split("、")) == ["10.6.6.6", customer.username]
    assert not LoginLock.objects.exists()
    entries = AuditEntry.objects.filter(action="login.unlock").order_by("target")
    assert [(e.target, e.actor) for e in entries] == [
        ("10.6.6.6", operator),
        (customer.username, operator),
    ]
    assert (
        entries[1]
        .before["ロック"]
        .startswith(f"カスタマサポートデスク：{customer.username}（ログイン実績のないブラウザ）、")
    )
    assert entries[1].after == {"ロック": "なし"}
    assert post_login(Client(), customer.username, password, ip="10.6.6.6").status_code == 302


def test_b4_a_customer_cannot_open_the_lock_list(customer_client):
    response = customer_client.get(url("throttling_loginlock_changelist"))
    assert response.status_code == 302 and response["Location"].startswith(url("login"))


def test_b4_d1_2_the_login_accounts_list_unlocks_operators_and_desk_ids(
    operator_client, operator, customer, password
):
    """The list action of 「ログインアカウント」 lifts an operator's lock (back office scope) and
    a desk ID's (desk scope), each audited."""
    colleague = OperatorFactory(username="operator2")
    for n in range(5):
        Client().post(url("login"), {"username": "operator2", "password": f"Wrong-{n}"})
        post_login(Client(), customer.username, f"Wrong-{n}")
    assert (
        Client()
        .post(url("login"), {"username": "operator2", "password": OPERATOR_PASSWORD})
        .status_code
        == 429
    )
    response = operator_client.post(
        url("contracts_user_changelist"),
        {"action": "unlock_logins", "_selected_action": [colleague.pk, customer.pk]},
        follow=True,
    )
    assert "選択したアカウントのログインロックを解除しました。" in page_text(response)
    assert not LoginLock.objects.exists()
    assert sorted(
        AuditEntry.objects.filter(action="login.unlock").values_list("target", flat=True)
    ) == sorted(["operator2", customer.username])
    assert (
        Client()
        .post(url("login"), {"username": "operator2", "password": OPERATOR_PASSWORD})
        .status_code
        == 302
    )
    assert post_login(Client(), customer.username, password).status_code == 302
