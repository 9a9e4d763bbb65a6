"""D1.2: wrong credentials, throttling (django-axes) and the operator unlock (B4).

The rule: 5 failures within 15 minutes from one address lock that address for 15 minutes,
for the ID tried there and for every other ID (password spraying). Another address is not
affected, so a stranger cannot lock a customer out at the customer's own address.
"""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.contrib.auth.hashers import get_hasher
from django.test import RequestFactory
from django.urls import reverse

from madoguchi.audit.models import AuditEntry
from madoguchi.backoffice.site import LOCKED_OUT as BACKOFFICE_LOCKED_OUT
from madoguchi.contracts.services import login_lock_state, unlock_login
from madoguchi.contracts.tests.factories import DeskUserFactory
from madoguchi.contracts.tests.pages import (
    control,
    form_errors,
    is_logged_in,
    page_text,
    post_login,
)
from madoguchi.contracts.views import INVALID_LOGIN, LOCKED_OUT

pytestmark = pytest.mark.django_db

START = datetime(2024, 1, 11, 0, 0, tzinfo=UTC)
STRANGER = "10.6.6.6"
HOME = "10.0.2.1"
OFFICE = "203.0.113.10"


def fail(client, username: str, ip: str, times: int = 5) -> list:
    """``times`` wrong passwords for ``username`` from the address ``ip``."""
    return [post_login(client, username, f"Wrong-{n}", ip=ip) for n in range(times)]


def log_in_and_out(client, username: str, password: str, ip: str) -> int:
    status = post_login(client, username, password, ip=ip).status_code
    client.post(reverse("desk:logout"))
    return status


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


def test_d1_2_five_failures_lock_the_id_at_that_address_even_for_the_right_password(
    client, customer, password
):
    responses = fail(client, customer.username, HOME)
    assert [r.status_code for r in responses[:4]] == [200] * 4
    # The fifth failure already answers with the lockout: our login page, status 429.
    assert responses[4].status_code == 429
    assert form_errors(responses[4]) == [LOCKED_OUT]
    response = post_login(client, customer.username, password, ip=HOME)
    assert response.status_code == 429
    assert "15分間ログインを停止しています" in page_text(response)
    assert control(response, "login_id")  # the login form, ready for later
    assert not is_logged_in(client)
    # Another customer at another address is not affected.
    other = DeskUserFactory(username="someone@biz.example.ne.jp")
    assert post_login(client, other.username, password, ip="10.0.3.1").status_code == 302


def test_d1_2_the_lockout_message_blames_no_id_and_names_15_minutes():
    """The lock may be the address's, not the typed ID's: the message must not say otherwise."""
    for message in (LOCKED_OUT, BACKOFFICE_LOCKED_OUT):
        assert "15分" in message
        assert "認証ID" not in message and "アカウント" not in message


def test_d1_2_four_failures_do_not_lock(client, customer, password):
    fail(client, customer.username, HOME, times=4)
    assert post_login(client, customer.username, password, ip=HOME).status_code == 302


def test_d1_2_a_stranger_cannot_lock_the_customer_out_at_their_own_address(
    client, customer, password
):
    responses = fail(client, customer.username, STRANGER)
    assert responses[4].status_code == 429  # the stranger is stopped
    assert post_login(client, customer.username, password, ip=STRANGER).status_code == 429
    response = post_login(client, customer.username, password, ip=HOME)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_d1_2_a_third_party_cannot_keep_the_customer_locked_out(
    client, customer, password, time_machine
):
    """A stranger failing 5 times in every 15 minutes, for an hour, never keeps them out."""
    time_machine.move_to(START, tick=False)
    for _ in range(4):
        assert fail(client, customer.username, STRANGER)[4].status_code == 429
        assert log_in_and_out(client, customer.username, password, HOME) == 302
        time_machine.shift(timedelta(minutes=15, seconds=1))


def test_d1_2_attempts_during_a_lock_do_not_extend_it(client, customer, password, time_machine):
    """Refused attempts are not counted: the lock ends 15 minutes after the fifth failure."""
    time_machine.move_to(START, tick=False)
    fail(client, customer.username, STRANGER)
    for _ in range(3):
        time_machine.shift(timedelta(minutes=4))
        assert post_login(client, customer.username, "Wrong-9", ip=STRANGER).status_code == 429
    time_machine.shift(timedelta(minutes=3, seconds=1))  # 15 min after the fifth failure
    assert post_login(client, customer.username, password, ip=STRANGER).status_code == 302


def test_d1_2_password_spraying_from_one_address_locks_that_address(client, customer, password):
    """Five failures on five different IDs from one address lock it for every ID."""
    responses = [
        post_login(client, f"guess{n}@biz.example.ne.jp", "Wrong-123", ip="10.9.9.9")
        for n in range(5)
    ]
    assert [r.status_code for r in responses] == [200] * 4 + [429]
    hasher = type(get_hasher())
    with mock.patch.object(hasher, "verify") as verify:
        locked = post_login(client, customer.username, password, ip="10.9.9.9")
    verify.assert_not_called()
    assert locked.status_code == 429
    assert form_errors(locked) == [LOCKED_OUT]
    # The customer at their own address is not locked by a stranger's guessing.
    assert post_login(client, customer.username, password, ip="10.0.0.1").status_code == 302


def test_d1_2_failures_spread_over_addresses_lock_no_address(client, customer, password):
    for n in range(5):
        post_login(client, customer.username, "Wrong-123", ip=f"10.0.1.{n}")
    assert not login_lock_state(customer.username).locked
    assert post_login(client, customer.username, password, ip="10.0.1.0").status_code == 302


def test_d1_2_lock_ends_after_15_minutes(client, customer, password, time_machine):
    time_machine.move_to(START, tick=False)
    fail(client, customer.username, HOME)
    time_machine.shift(timedelta(minutes=14, seconds=59))
    assert post_login(client, customer.username, password, ip=HOME).status_code == 429
    time_machine.shift(timedelta(seconds=2))
    response = post_login(client, customer.username, password, ip=HOME)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_d1_2_locked_login_is_refused_before_any_password_hash_is_computed(
    client, customer, password
):
    fail(client, customer.username, HOME)
    hasher = type(get_hasher())
    with (
        mock.patch.object(hasher, "verify") as verify,
        mock.patch.object(hasher, "encode") as encode,
    ):
        for _ in range(10):
            assert post_login(client, customer.username, password, ip=HOME).status_code == 429
        unknown = post_login(client, "nobody@biz.example.ne.jp", password, ip=HOME)
        assert unknown.status_code == 429  # the address is throttled, for every ID
    verify.assert_not_called()
    encode.assert_not_called()


def test_d1_2_hashes_are_computed_for_an_unlocked_id(client, customer):
    """Guards the tests above: the patch does see the hashing of a normal login."""
    hasher = type(get_hasher())
    with mock.patch.object(hasher, "verify", return_value=False) as verify:
        post_login(client, customer.username, "Wrong-123")
    verify.assert_called_once()


def test_d1_2_a_login_to_another_id_does_not_clear_the_failures(
    client, customer, other_customer, password
):
    """Bypass: 4 guesses, a good login to one's own account, 4 guesses, ... must not go on."""
    assert [r.status_code for r in fail(client, customer.username, STRANGER, 4)] == [200] * 4
    assert log_in_and_out(client, other_customer.username, password, STRANGER) == 302
    fifth = post_login(client, customer.username, "Wrong-5", ip=STRANGER)
    assert fifth.status_code == 429
    assert form_errors(fifth) == [LOCKED_OUT]
    assert post_login(client, customer.username, password, ip=STRANGER).status_code == 429
    assert not is_logged_in(client)


def test_d1_2_failures_count_for_15_minutes_even_after_a_success(
    client, customer, password, time_machine
):
    """A good login does not wipe the count: 5 failures within 15 minutes lock."""
    time_machine.move_to(START, tick=False)
    fail(client, customer.username, HOME, times=4)
    assert log_in_and_out(client, customer.username, password, HOME) == 302
    assert post_login(client, customer.username, "Wrong-5", ip=HOME).status_code == 429
    time_machine.shift(timedelta(minutes=15, seconds=1))
    assert log_in_and_out(client, customer.username, password, HOME) == 302


def test_d1_2_axes_counts_desk_failures_under_login_id_at_realm(client, customer, operator):
    """Axes' username is ``<認証ID>@<realm>`` (lower-cased like the form), on every path."""
    typed = customer.username.replace("customer1", "Customer1")
    post_login(client, typed, "Wrong-1", ip=HOME)
    assert AccessAttempt.objects.get().username == customer.username
    # Without credentials (axes reads the request), the desk form's fields give the same name.
    desk_post = RequestFactory().post(
        reverse("desk:login"),
        {"login_id": " Customer1 ", "realm": "biz.example.ne.jp", "password": "x"},
    )
    assert get_client_username(desk_post) == customer.username
    assert get_client_username(desk_post, {"username": customer.username}) == customer.username
    backoffice_post = RequestFactory().post(
        reverse("backoffice:login"), {"username": operator.username, "password": "x"}
    )
    assert get_client_username(backoffice_post) == operator.username
    assert get_client_username(RequestFactory().post("/", {})) is None


def test_d1_2_operator_unlock_lets_the_customer_in(client, customer, operator, password):
    fail(client, customer.username, HOME)
    assert login_lock_state(customer.username).locked
    unlock_login(contract_or_user=customer.contract, operator=operator, ip="192.0.2.1")
    assert not login_lock_state(customer.username).locked
    assert not AccessAttempt.objects.filter(username=customer.username).exists()
    response = post_login(client, customer.username, password, ip=HOME)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_d1_2_b4_operator_unlock_lifts_the_address_lock_that_keeps_the_customer_out(
    client, customer, operator, password
):
    """Colleagues behind one office address lock it by failing on their own IDs."""
    colleagues = [DeskUserFactory(), DeskUserFactory()]
    for n in range(5):
        post_login(client, colleagues[n % 2].username, f"Wrong-{n}", ip=OFFICE)
    fail(client, "someone.else@biz.example.ne.jp", "198.51.100.66")  # an unrelated lock
    refused = post_login(client, customer.username, password, ip=OFFICE)
    assert refused.status_code == 429
    assert form_errors(refused) == [LOCKED_OUT]
    state = login_lock_state(customer.username)
    assert state.locked and state.addresses == (OFFICE,)

    unlock_login(contract_or_user=customer.contract, operator=operator, ip="192.0.2.1")
    entry = AuditEntry.objects.get(action="login.unlock")
    assert entry.before["ロック"] == "ロック中" and entry.before["停止中のアドレス"] == [OFFICE]
    assert not login_lock_state(customer.username).locked
    response = post_login(client, customer.username, password, ip=OFFICE)
    assert response.status_code == 302
    assert is_logged_in(client)
    client.post(reverse("desk:logout"))
    # Only the addresses that kept this customer out were cleared.
    assert post_login(client, customer.username, password, ip="198.51.100.66").status_code == 429


def test_d1_2_refused_attempts_of_unknown_ids_leave_no_rows(client, customer):
    """Only real desk IDs leave a trace of a refused attempt (for the unlock), nothing else."""
    fail(client, customer.username, STRANGER)
    rows = AccessAttempt.objects.count()
    for n in range(5):
        post_login(client, f"nobody{n}@biz.example.ne.jp", "Wrong-1", ip=STRANGER)
    assert AccessAttempt.objects.count() == rows
