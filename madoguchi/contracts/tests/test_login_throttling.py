"""D1.2: wrong credentials, login throttling with device cookies, and the operator unlock (B4).

The rules (madoguchi/throttling, docs/security.md):
- 5 failures within 15 minutes lock THE ID for 15 minutes for unknown browsers, from every
  address, whether or not the ID exists;
- a browser that logged in to the ID before holds a signed device entry: the ID's lock does
  not apply to it (a third party cannot lock the customer out), its own limit does;
- failures from one address across every ID lock that address for unknown browsers only at a
  much higher limit (an office or a carrier NAT is one address);
- the desk and the back office count apart; refused attempts count for nothing; a lock costs
  no password hash.
"""

from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from unittest import mock

import pytest
from django.contrib.auth.hashers import get_hasher
from django.core import signing
from django.test import Client
from django.urls import reverse

from madoguchi.audit.models import AuditEntry
from madoguchi.backoffice.tests.conftest import url
from madoguchi.contracts.services import BACKOFFICE_LOGINS, DESK_LOGINS, unlock_login
from madoguchi.contracts.tests.factories import DeskUserFactory
from madoguchi.contracts.tests.pages import (
    control,
    field_errors,
    form_errors,
    is_logged_in,
    page_text,
    post_login,
)
from madoguchi.contracts.views import INVALID_LOGIN, LOCKED_OUT
from madoguchi.throttling.models import LoginFailure, LoginLock
from madoguchi.throttling.services import lock_state, message_for

pytestmark = pytest.mark.django_db

START = datetime(2024, 1, 11, 0, 0, tzinfo=UTC)
STRANGER = "10.6.6.6"
HOME = "10.0.2.1"
OFFICE = "203.0.113.10"
COOKIE = DESK_LOGINS.cookie_name
ADDRESS_LOCKED = message_for(DESK_LOGINS, "address")
OPERATOR_PASSWORD = "Operator-pass-123"  # OperatorFactory's


def fail(client, username: str, ip: str, times: int = 5) -> list:
    """``times`` wrong passwords for ``username`` from the address ``ip``."""
    return [post_login(client, username, f"Wrong-{n}", ip=ip) for n in range(times)]


def log_in_and_out(client, username: str, password: str, ip: str = HOME) -> int:
    status = post_login(client, username, password, ip=ip).status_code
    client.post(reverse("desk:logout"))
    return status


def known_browser(username: str, password: str, ip: str = HOME) -> Client:
    """A browser that has logged in to ``username`` (and out again): it holds a device entry."""
    browser = Client()
    assert log_in_and_out(browser, username, password, ip) == 302
    assert browser.cookies[COOKIE].value
    return browser


def admin_login(client, username, password, ip="127.0.0.1"):
    return client.post(url("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def hashing():
    """Counts the password hashes computed (verify for known IDs, encode for unknown ones)."""
    hasher = type(get_hasher())
    with (
        mock.patch.object(hasher, "verify", autospec=True, side_effect=hasher.verify) as verify,
        mock.patch.object(hasher, "encode", autospec=True, side_effect=hasher.encode) as encode,
    ):
        yield lambda: verify.call_count + encode.call_count


# --- The generic message ----------------------------------------------------------------------


def test_d1_2_one_generic_message_for_unknown_id_wrong_realm_and_wrong_password(
    client, customer, password
):
    login_id = customer.login_id
    unknown_id = post_login(client, "nobody@biz.example.ne.jp", password)
    wrong_realm = post_login(client, f"{login_id}@pc.example.ne.jp", password, ip="10.0.0.2")
    wrong_password = post_login(client, customer.username, "Wrong-123", ip="10.0.0.3")
    for response in (unknown_id, wrong_realm, wrong_password):
        assert response.status_code == 200
        assert form_errors(response) == [INVALID_LOGIN]
    # Not a hint anywhere: the pages read the same (the typed 認証ID is kept in the field).
    assert page_text(wrong_realm) == page_text(wrong_password) == page_text(unknown_id)
    assert not is_logged_in(client)


def test_d1_2_password_is_never_echoed_back_but_the_id_and_realm_are_kept(client, customer):
    response = post_login(client, customer.username, "Wrong-123")
    assert "Wrong-123" not in response.content.decode()
    assert control(response, "login_id").attributes.count(("value", customer.login_id)) == 1
    assert "value" not in dict(control(response, "password").attributes)


@pytest.mark.parametrize("length", [129, 4097, 100_000])
def test_d1_2_defect_11_an_overlong_password_gets_the_generic_message(client, customer, length):
    """Issue 6, defect 11: no 「パスワードが正しくありません。」 beside the field; a failure."""
    response = post_login(client, customer.username, "a" * length)
    assert response.status_code == 200
    assert form_errors(response) == [INVALID_LOGIN]
    assert field_errors(response, "password") == []
    assert page_text(response).count("パスワードが正しくありません") == 1  # the generic one
    assert "maxlength" not in dict(control(response, "password").attributes)  # never cut
    assert LoginFailure.objects.filter(username=customer.username).count() == 1


def test_d1_2_a_password_too_long_to_be_real_is_not_hashed(client, customer, hashing):
    post_login(client, customer.username, "a" * 5000)
    assert hashing() == 0
    post_login(client, customer.username, "a" * 200)
    assert hashing() == 1  # the guard: a long but plausible password is checked


# --- The ID's lock for unknown browsers -------------------------------------------------------


def test_d1_2_five_failures_lock_the_id_for_unknown_browsers_with_a_message(
    client, customer, password
):
    responses = fail(client, customer.username, HOME)
    assert [r.status_code for r in responses[:4]] == [200] * 4
    # The fifth failure already answers with the lock: our login page, status 429.
    assert responses[4].status_code == 429
    assert form_errors(responses[4]) == [LOCKED_OUT]
    assert LOCKED_OUT == (
        "この認証IDへのログインに続けて失敗したため、15分間ログインを停止しています。"
        "しばらくしてから再度お試しください。"
    )
    # The right password, from a fresh browser at any address: refused, form ready for later.
    for ip in (HOME, "192.0.2.55"):
        response = post_login(Client(), customer.username, password, ip=ip)
        assert response.status_code == 429
        assert form_errors(response) == [LOCKED_OUT]
        assert control(response, "login_id")
    assert not is_logged_in(client)
    # Another ID from the same address is not affected.
    other = DeskUserFactory(username="someone@biz.example.ne.jp")
    assert post_login(Client(), other.username, password, ip=HOME).status_code == 302


def test_d1_2_failures_spread_over_addresses_lock_the_id(client, customer, password):
    """The attacker who spreads guesses for one ID over many addresses is stopped too."""
    responses = [
        post_login(client, customer.username, "Wrong-1", ip=f"10.0.1.{n}") for n in range(5)
    ]
    assert responses[4].status_code == 429
    assert post_login(Client(), customer.username, password, ip="10.0.1.99").status_code == 429


def test_d1_2_an_unknown_id_is_locked_alike_so_the_lock_reveals_nothing(client, customer):
    """Failures count for any username: a lock does not tell that the ID exists."""
    real = fail(client, customer.username, HOME)
    made_up = fail(client, "nobody@biz.example.ne.jp", "10.0.9.9")
    assert [r.status_code for r in real] == [r.status_code for r in made_up]
    assert form_errors(real[4]) == form_errors(made_up[4]) == [LOCKED_OUT]


def test_d1_2_four_failures_do_not_lock(client, customer, password):
    fail(client, customer.username, HOME, times=4)
    assert post_login(client, customer.username, password, ip=HOME).status_code == 302


def test_d1_2_lock_ends_after_15_minutes(client, customer, password, time_machine):
    time_machine.move_to(START, tick=False)
    fail(client, customer.username, HOME)
    time_machine.shift(timedelta(minutes=14, seconds=59))
    assert post_login(client, customer.username, password, ip=HOME).status_code == 429
    time_machine.shift(timedelta(seconds=2))
    response = post_login(client, customer.username, password, ip=HOME)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_d1_2_attempts_during_a_lock_do_not_extend_it_nor_count(
    client, customer, password, time_machine
):
    """Refused attempts are not recorded: the lock ends 15 minutes after the fifth failure."""
    time_machine.move_to(START, tick=False)
    fail(client, customer.username, STRANGER)
    for _ in range(3):
        time_machine.shift(timedelta(minutes=4))
        assert post_login(client, customer.username, "Wrong-9", ip=STRANGER).status_code == 429
    assert LoginFailure.objects.count() == 5
    assert LoginLock.objects.get().locked_until == START + timedelta(minutes=15)
    time_machine.shift(timedelta(minutes=3, seconds=1))  # 15 min after the fifth failure
    assert post_login(client, customer.username, password, ip=STRANGER).status_code == 302


def test_d1_2_a_login_to_another_id_does_not_clear_the_failures(
    client, customer, other_customer, password
):
    """Bypass: 4 guesses, a good login to one's own account, 4 guesses, ... must not go on."""
    assert [r.status_code for r in fail(client, customer.username, STRANGER, 4)] == [200] * 4
    assert log_in_and_out(client, other_customer.username, password, STRANGER) == 302
    fifth = post_login(client, customer.username, "Wrong-5", ip=STRANGER)
    assert fifth.status_code == 429
    assert form_errors(fifth) == [LOCKED_OUT]


def test_d1_2_failures_count_for_15_minutes_even_after_a_success(
    client, customer, password, time_machine
):
    time_machine.move_to(START, tick=False)
    fail(Client(), customer.username, STRANGER, times=4)
    assert log_in_and_out(Client(), customer.username, password, HOME) == 302
    assert post_login(Client(), customer.username, "Wrong-5", ip=STRANGER).status_code == 429
    time_machine.shift(timedelta(minutes=15, seconds=1))
    assert log_in_and_out(Client(), customer.username, password, HOME) == 302


# --- Device cookies ---------------------------------------------------------------------------


def test_d1_2_a_browser_that_logged_in_before_still_logs_in_to_the_locked_id(
    customer, password, time_machine
):
    """A third party failing 5 times in every 15 minutes, for an hour, never keeps them out."""
    time_machine.move_to(START, tick=False)
    browser = known_browser(customer.username, password)
    for _ in range(4):
        assert fail(Client(), customer.username, STRANGER)[4].status_code == 429
        assert post_login(Client(), customer.username, password, ip=HOME).status_code == 429
        response = post_login(browser, customer.username, password, ip=HOME)
        assert response.status_code == 302
        assert is_logged_in(browser)
        browser.post(reverse("desk:logout"))
        time_machine.shift(timedelta(minutes=15, seconds=1))


def test_d1_2_the_device_cookie_is_signed_httponly_lax_and_long_lived(
    client, customer, password, settings
):
    post_login(client, customer.username, password)
    cookie = client.cookies[COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 180 * 24 * 3600
    assert cookie["path"] == "/"
    assert not cookie["secure"]  # not over plain HTTP in tests...
    settings.SESSION_COOKIE_SECURE = True  # ...but in production (MADOGUCHI_SECURE=1)
    browser = Client()
    post_login(browser, customer.username, password)
    assert browser.cookies[COOKIE]["secure"] is True
    # Signed per ID: the entry names the ID; its id is random, never the password.
    username, device = signing.loads(cookie.value, salt=DESK_LOGINS.salt)
    assert username == customer.username and len(device) >= 20
    assert password not in cookie.value


def test_d1_2_one_browser_holds_device_entries_for_several_ids(customer, other_customer, password):
    browser = Client()
    assert log_in_and_out(browser, customer.username, password) == 302
    assert log_in_and_out(browser, other_customer.username, password) == 302
    assert len(browser.cookies[COOKIE].value.split("|")) == 2
    for user in (customer, other_customer):
        fail(Client(), user.username, STRANGER)
    for user in (customer, other_customer):
        assert log_in_and_out(browser, user.username, password) == 302, user


def test_d1_2_a_known_browser_has_its_own_small_limit(customer, password, settings, hashing):
    """A stolen device cookie does not allow unlimited guesses (LOGIN_DEVICE_FAILURE_LIMIT)."""
    settings.LOGIN_DEVICE_FAILURE_LIMIT = 3
    browser = known_browser(customer.username, password)
    second = known_browser(customer.username, password)
    responses = fail(browser, customer.username, HOME, times=3)
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert form_errors(responses[2]) == [LOCKED_OUT]
    hashed = hashing()
    refused = post_login(browser, customer.username, password, ip=HOME)
    assert refused.status_code == 429 and form_errors(refused) == [LOCKED_OUT]
    assert hashing() == hashed  # refused before any hash
    # Another browser that logged in before has its own count, and is not locked.
    assert post_login(second, customer.username, password, ip=HOME).status_code == 302


def test_d1_2_failures_from_a_known_browser_count_towards_the_ids_lock(customer, password):
    """Every failure is one of the ID: 5 from its own browser lock unknown browsers out too."""
    browser = known_browser(customer.username, password)
    fail(browser, customer.username, HOME)
    assert post_login(Client(), customer.username, password, ip=STRANGER).status_code == 429


@pytest.mark.parametrize("forgery", ["tampered", "another_id", "another_scope", "expired"])
def test_d1_2_a_forged_or_foreign_device_cookie_does_not_bypass_the_lock(
    customer, other_customer, password, forgery, time_machine
):
    time_machine.move_to(START, tick=False)
    browser = known_browser(other_customer.username, password)  # a real entry, another ID
    entry = browser.cookies[COOKIE].value
    if forgery == "tampered":
        payload, rest = entry.split(":", 1)
        forged = signing.b64_encode(f'["{customer.username}","abc"]'.encode()).decode()
        browser.cookies = SimpleCookie({COOKIE: f"{forged}:{rest}"})
        assert payload != forged
    elif forgery == "another_scope":
        # Signed with the right key, for the right ID, but for the back office's cookie.
        signed = signing.dumps([customer.username, "abc"], salt=BACKOFFICE_LOGINS.salt)
        browser.cookies = SimpleCookie({COOKIE: signed})
    elif forgery == "expired":
        browser = known_browser(customer.username, password)
        time_machine.shift(timedelta(days=181))
    fail(Client(), customer.username, STRANGER)
    response = post_login(browser, customer.username, password, ip=HOME)
    assert response.status_code == 429
    assert form_errors(response) == [LOCKED_OUT]
    assert not is_logged_in(browser)


# --- The address limit (credential stuffing) ---------------------------------------------------


def test_d1_2_an_office_behind_one_address_is_not_locked_by_its_typos(password):
    """Five colleagues behind one NAT each failing 4 times (20 failures) lock nobody."""
    colleagues = [DeskUserFactory() for _ in range(5)]
    for colleague in colleagues:
        assert [r.status_code for r in fail(Client(), colleague.username, OFFICE, 4)] == [200] * 4
    for colleague in colleagues:
        assert log_in_and_out(Client(), colleague.username, password, OFFICE) == 302


def test_d1_2_credential_stuffing_from_one_address_is_throttled_at_the_address_limit(
    customer, other_customer, password, settings, hashing
):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    known = known_browser(other_customer.username, password, ip=OFFICE)
    responses = [
        post_login(Client(), f"list{n}@biz.example.ne.jp", "Leaked-1", ip=OFFICE) for n in range(8)
    ]
    assert [r.status_code for r in responses] == [200] * 7 + [429]
    assert form_errors(responses[7]) == [ADDRESS_LOCKED]
    assert "お使いのネットワークからのログインの失敗が多いため" in ADDRESS_LOCKED
    # Unknown browsers at that address are refused for every ID, before any hash...
    hashed = hashing()
    refused = post_login(Client(), customer.username, password, ip=OFFICE)
    assert refused.status_code == 429 and form_errors(refused) == [ADDRESS_LOCKED]
    assert hashing() == hashed
    # ...not a browser that logged in there before, nor anyone at another address.
    assert post_login(known, other_customer.username, password, ip=OFFICE).status_code == 302
    assert post_login(Client(), customer.username, password, ip=HOME).status_code == 302


def test_d1_2_a_known_browser_behind_a_throttled_address_logs_in(customer, password, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    known = known_browser(customer.username, password, ip=OFFICE)
    for n in range(8):
        post_login(Client(), f"list{n}@biz.example.ne.jp", "Leaked-1", ip=OFFICE)
    assert post_login(Client(), customer.username, password, ip=OFFICE).status_code == 429
    assert post_login(known, customer.username, password, ip=OFFICE).status_code == 302


# --- Scopes: the desk and the back office count apart -------------------------------------------


def test_d1_2_desk_failures_never_lock_the_back_office(client, operator, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    for n in range(8):  # the desk's address limit, from 127.0.0.1
        post_login(Client(), f"list{n}@biz.example.ne.jp", "Wrong-1")
    assert post_login(Client(), "list9@biz.example.ne.jp", "Wrong-1").status_code == 429
    response = admin_login(client, operator.username, OPERATOR_PASSWORD)
    assert response.status_code == 302
    assert client.get(url("index")).status_code == 200


def test_d1_2_back_office_failures_never_lock_desk_ids(
    client, operator, customer, password, settings
):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8  # reached by the back office's failures below
    for _ in range(5):
        admin_login(Client(), operator.username, "Wrong-1")
    for _ in range(5):
        admin_login(Client(), customer.username, "Wrong-1")  # a desk ID typed in the back office
    assert admin_login(Client(), operator.username, OPERATOR_PASSWORD).status_code == 429
    assert post_login(client, customer.username, password).status_code == 302
    assert not LoginFailure.objects.filter(scope="desk").exists()


def test_d1_2_the_back_office_has_device_cookies_too(operator):
    """The same design for operator usernames: a known browser is not locked out."""
    browser = Client()
    assert admin_login(browser, operator.username, OPERATOR_PASSWORD).status_code == 302
    assert browser.cookies[BACKOFFICE_LOGINS.cookie_name].value
    browser.post(url("logout"))
    responses = [admin_login(Client(), operator.username, f"Wrong-{n}") for n in range(5)]
    assert responses[4].status_code == 429
    assert message_for(BACKOFFICE_LOGINS, "id") in page_text(responses[4])
    assert admin_login(Client(), operator.username, OPERATOR_PASSWORD).status_code == 429
    assert admin_login(browser, operator.username, OPERATOR_PASSWORD).status_code == 302


# --- No hash while locked ---------------------------------------------------------------------


def test_d1_2_locked_login_is_refused_before_any_password_hash_is_computed(
    client, customer, password, hashing
):
    fail(client, customer.username, HOME)
    fail(client, "nobody@biz.example.ne.jp", HOME)
    before = hashing()
    assert before == 10  # the guard: each failure did hash (verify, or encode for unknown IDs)
    for _ in range(10):
        assert post_login(Client(), customer.username, password, ip=HOME).status_code == 429
        assert post_login(Client(), "nobody@biz.example.ne.jp", password).status_code == 429
    assert hashing() == before


# --- The operator's unlock -------------------------------------------------------------------


def test_d1_2_b4_operator_unlock_lets_the_customer_in(customer, operator, password, settings):
    settings.LOGIN_DEVICE_FAILURE_LIMIT = 3
    browser = known_browser(customer.username, password)
    fail(browser, customer.username, HOME, times=3)  # the browser's own lock
    fail(Client(), customer.username, STRANGER, times=2)  # and the ID's (3 + 2 failures)
    state = lock_state(DESK_LOGINS, customer.username)
    assert state.locked_until and len(state.devices_locked_until) == 1
    assert state.failures == 5

    assert unlock_login(contract_or_user=customer.contract, operator=operator, ip="192.0.2.1")
    assert not lock_state(DESK_LOGINS, customer.username).locked
    assert not LoginFailure.objects.filter(username=customer.username).exists()
    entry = AuditEntry.objects.get(action="login.unlock")
    assert entry.actor == operator and entry.contract == customer.contract
    assert entry.before["ロック"] == "ロック中" and entry.before["失敗回数"] == 5
    assert entry.before["ロック中のブラウザ"] == 1
    assert entry.ip_address == "192.0.2.1"
    fresh = Client()
    assert post_login(fresh, customer.username, password, ip=HOME).status_code == 302
    assert is_logged_in(fresh)
    assert log_in_and_out(browser, customer.username, password) == 302


def test_d1_2_an_unlocked_id_gets_five_failures_again(customer, operator):
    fail(Client(), customer.username, STRANGER)
    unlock_login(contract_or_user=customer, operator=operator, ip=None)
    responses = fail(Client(), customer.username, STRANGER)
    assert [r.status_code for r in responses] == [200] * 4 + [429]


def test_d1_2_refused_attempts_leave_no_rows(client, customer):
    fail(client, customer.username, STRANGER)
    failures, locks = LoginFailure.objects.count(), LoginLock.objects.count()
    for _ in range(5):
        post_login(client, customer.username, "Wrong-1", ip=STRANGER)
    assert (LoginFailure.objects.count(), LoginLock.objects.count()) == (failures, locks)
