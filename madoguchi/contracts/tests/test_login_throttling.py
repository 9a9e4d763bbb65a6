"""D1.2: wrong credentials, throttling (django-axes) and the operator unlock."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import get_hasher

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


def fail_five_times(client, username: str, *, same_ip: bool = False) -> list:
    """Five wrong passwords for ``username``, each from its own address unless ``same_ip``."""
    return [
        post_login(client, username, f"Wrong-{n}", ip="10.0.0.9" if same_ip else f"10.0.1.{n}")
        for n in range(5)
    ]


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


def test_d1_2_five_failures_lock_the_id_even_for_the_right_password(client, customer, password):
    responses = fail_five_times(client, customer.username)
    assert [r.status_code for r in responses[:4]] == [200] * 4
    # The fifth failure already answers with the lockout: our login page, status 429.
    assert responses[4].status_code == 429
    assert form_errors(responses[4]) == [LOCKED_OUT]
    assert "15分" in LOCKED_OUT
    response = post_login(client, customer.username, password, ip="10.0.2.1")
    assert response.status_code == 429
    assert "15分間停止しています" in page_text(response)
    assert control(response, "login_id")  # the login form, ready for later
    assert not is_logged_in(client)
    # Another customer at another address is not affected.
    other = DeskUserFactory(username="someone@biz.example.ne.jp")
    assert post_login(client, other.username, password, ip="10.0.3.1").status_code == 302


def test_d1_2_four_failures_do_not_lock(client, customer, password):
    for n in range(4):
        post_login(client, customer.username, "Wrong-123", ip=f"10.0.1.{n}")
    assert post_login(client, customer.username, password, ip="10.0.2.1").status_code == 302


def test_d1_2_failures_from_one_address_lock_that_address(client, customer, password):
    """AXES_LOCKOUT_PARAMETERS: one address trying many IDs is throttled too."""
    for n in range(5):
        post_login(client, f"guess{n}@biz.example.ne.jp", "Wrong-123", ip="10.9.9.9")
    locked = post_login(client, customer.username, password, ip="10.9.9.9")
    assert locked.status_code == 429
    assert form_errors(locked) == [LOCKED_OUT]
    # The customer at their own address is not locked by a stranger's guessing.
    assert post_login(client, customer.username, password, ip="10.0.0.1").status_code == 302


def test_d1_2_lock_ends_after_15_minutes(client, customer, password, time_machine):
    time_machine.move_to(START, tick=False)
    fail_five_times(client, customer.username)
    time_machine.shift(timedelta(minutes=14, seconds=59))
    assert post_login(client, customer.username, password, ip="10.0.2.1").status_code == 429
    time_machine.shift(timedelta(seconds=2))
    response = post_login(client, customer.username, password, ip="10.0.2.1")
    assert response.status_code == 302
    assert is_logged_in(client)


def test_d1_2_a_third_party_cannot_keep_the_id_locked(client, customer, password, time_machine):
    """Attempts made while locked do not extend the lock: it ends 15 minutes after it began."""
    time_machine.move_to(START, tick=False)
    for n in range(5):
        post_login(client, customer.username, f"Wrong-{n}", ip="10.6.6.6")
    for _ in range(3):
        time_machine.shift(timedelta(minutes=4))
        assert post_login(client, customer.username, "Wrong-9", ip="10.6.6.6").status_code == 429
    time_machine.shift(timedelta(minutes=3, seconds=1))  # 15 min after the fifth failure
    assert post_login(client, customer.username, password, ip="10.0.2.1").status_code == 302


def test_d1_2_locked_id_is_refused_before_any_password_hash_is_computed(client, customer, password):
    fail_five_times(client, customer.username, same_ip=True)  # locks the ID and 10.0.0.9
    hasher = type(get_hasher())
    with (
        mock.patch.object(hasher, "verify") as verify,
        mock.patch.object(hasher, "encode") as encode,
    ):
        for n in range(10):
            response = post_login(client, customer.username, password, ip=f"10.0.4.{n}")
            assert response.status_code == 429
        unknown = post_login(client, "nobody@biz.example.ne.jp", password, ip="10.0.0.9")
        assert unknown.status_code == 429  # the address is throttled too
    verify.assert_not_called()
    encode.assert_not_called()


def test_d1_2_hashes_are_computed_for_an_unlocked_id(client, customer):
    """Guards the test above: the patch does see the hashing of a normal login."""
    hasher = type(get_hasher())
    with mock.patch.object(hasher, "verify", return_value=False) as verify:
        post_login(client, customer.username, "Wrong-123")
    verify.assert_called_once()


def test_d1_2_operator_unlock_lets_the_customer_in(client, customer, operator, password):
    fail_five_times(client, customer.username)
    assert login_lock_state(customer.username).locked
    unlock_login(contract_or_user=customer.contract, operator=operator, ip="192.0.2.1")
    assert not login_lock_state(customer.username).locked
    assert not AccessAttempt.objects.filter(username=customer.username).exists()
    response = post_login(client, customer.username, password, ip="10.0.2.1")
    assert response.status_code == 302
    assert is_logged_in(client)


def test_d1_2_success_resets_the_failure_count(client, customer, password):
    for n in range(4):
        post_login(client, customer.username, "Wrong-123", ip=f"10.0.1.{n}")
    assert post_login(client, customer.username, password, ip="10.0.2.1").status_code == 302
    client.logout()
    for n in range(4):
        post_login(client, customer.username, "Wrong-123", ip=f"10.0.5.{n}")
    assert post_login(client, customer.username, password, ip="10.0.2.2").status_code == 302
