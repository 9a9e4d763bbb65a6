"""D1.2 (issue 6, security finding 2): the current-password check of 認証パスワード変更 is
throttled like the login of the same ID.

The probe's finding: 30 wrong current passwords in one session, then the right one, were
accepted. Wrong current passwords are failures of the ID: they count towards its lock, and
once a lock applies to the browser the check is refused before any hash is computed, with a
message beside the field.
"""

from unittest import mock

import pytest
from django.contrib.auth.hashers import get_hasher
from django.test import Client
from django.urls import reverse

from madoguchi.contracts.tests.pages import field_errors, post_login
from madoguchi.desk.forms import MESSAGES
from madoguchi.throttling.models import LoginFailure

pytestmark = pytest.mark.django_db

NEW = "Nw-pass1"
WRONG_CURRENT = MESSAGES["wrong_current"]
LOCKED = (
    "現在の認証パスワードの誤りが続いたため、15分間確認を停止しています。"
    "しばらくしてから再度お試しください。"
)


def change(client, current: str):
    return client.post(
        reverse("desk:password"),
        {"current_password": current, "new_password": NEW, "new_password_confirm": NEW},
    )


def logged_in_browser(customer, password) -> Client:
    """A browser logged in through the login page (so it holds the ID's device entry)."""
    browser = Client()
    assert post_login(browser, customer.username, password).status_code == 302
    return browser


@pytest.fixture
def verifications():
    hasher = type(get_hasher())
    with mock.patch.object(hasher, "verify", autospec=True, side_effect=hasher.verify) as verify:
        yield verify


def test_d1_2_thirty_wrong_current_passwords_then_the_right_one_is_refused(
    customer, password, verifications
):
    browser = logged_in_browser(customer, password)
    verifications.reset_mock()
    responses = [change(browser, f"Guess-{n}") for n in range(30)]
    assert [field_errors(r, "current_password") for r in responses[:4]] == [[WRONG_CURRENT]] * 4
    # The fifth failure reaches the browser's limit; every later guess is refused unchecked.
    for response in responses[4:]:
        assert response.status_code == 200
        assert field_errors(response, "current_password") == [LOCKED]
    assert verifications.call_count == 5
    right = change(browser, password)
    assert right.status_code == 200
    assert field_errors(right, "current_password") == [LOCKED]
    assert verifications.call_count == 5  # no hash computed while refused
    assert browser.get(reverse("desk:password_confirm")).status_code == 302  # no draft
    customer.refresh_from_db()
    assert customer.check_password(password)
    assert LoginFailure.objects.filter(username=customer.username).count() == 5


def test_d1_2_wrong_current_passwords_count_towards_the_ids_login_lock(customer, password):
    browser = logged_in_browser(customer, password)
    for n in range(5):
        change(browser, f"Guess-{n}")
    # An unknown browser cannot log in to the ID now: those were the ID's failures.
    stranger = post_login(Client(), customer.username, password, ip="10.6.6.6")
    assert stranger.status_code == 429


def test_d1_2_a_session_without_a_device_entry_meets_the_ids_lock(
    client, customer, password, verifications
):
    """Login failures elsewhere count too: the ID's lock refuses the check for this browser."""
    for n in range(5):
        post_login(Client(), customer.username, f"Wrong-{n}", ip="10.6.6.6")
    client.force_login(customer)  # a session, but no device entry in this browser
    verifications.reset_mock()
    response = change(client, password)
    assert field_errors(response, "current_password") == [LOCKED]
    assert verifications.call_count == 0


def test_d1_2_the_customers_own_browser_still_changes_the_password_under_a_third_partys_lock(
    customer, password
):
    browser = logged_in_browser(customer, password)
    for n in range(5):
        post_login(Client(), customer.username, f"Wrong-{n}", ip="10.6.6.6")
    response = change(browser, password)
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:password_confirm")


def test_d1_2_four_wrong_current_passwords_then_the_right_one_is_accepted(customer, password):
    browser = logged_in_browser(customer, password)
    for n in range(4):
        assert field_errors(change(browser, f"Guess-{n}"), "current_password") == [WRONG_CURRENT]
    assert change(browser, password).status_code == 302
