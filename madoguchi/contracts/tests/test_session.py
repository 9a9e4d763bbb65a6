"""D1.4: logout on every page, session fixation, idle timeout, browser-close expiry."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse

from madoguchi.contracts.tests.factories import phone_pages
from madoguchi.contracts.tests.pages import (
    attr,
    dom,
    find_all,
    is_logged_in,
    post_login,
    text,
)
from madoguchi.testing.drafts import with_draft_token

pytestmark = pytest.mark.django_db

START = datetime(2024, 1, 11, 0, 0, tzinfo=UTC)

DESK_PAGES = [
    ("desk:status", ()),
    ("desk:password", ()),
    ("desk:phone", ("setup",)),
    ("desk:phone", ("fault",)),
    ("desk:phone", ("billing",)),
    ("desk:phone", ("procedures",)),
    ("desk:billing", ()),
    ("payments:card", ()),
    ("desk:billing_address", ()),
    ("desk:billing_notice", ()),
    ("contacts:input", ()),
    ("mailboxes:list", ()),
    ("cancellation:input", ()),
]


def logout_forms(response):
    return [
        form
        for form in find_all(dom(response), lambda e: e.name == "form")
        if attr(form, "action") == reverse("desk:logout")
    ]


@pytest.mark.parametrize(("name", "args"), DESK_PAGES)
def test_d1_4_every_desk_page_has_a_logout_button(customer_client, name, args):
    phone_pages()
    response = customer_client.get(reverse(name, args=args))
    assert response.status_code == 200
    forms = logout_forms(response)
    assert len(forms) == 1
    assert attr(forms[0], "method") == "post"
    assert text(forms[0]) == "ログアウト"


def test_d1_4_the_pages_of_the_password_flow_have_the_logout_button(customer_client, password):
    customer_client.post(
        reverse("desk:password"),
        {
            "current_password": password,
            "new_password": "Abc-1234",
            "new_password_confirm": "Abc-1234",
        },
    )
    confirm = customer_client.get(reverse("desk:password_confirm"))
    assert len(logout_forms(confirm)) == 1
    response = customer_client.post(
        reverse("desk:password_confirm"), with_draft_token(customer_client, "network_password")
    )
    complete = customer_client.get(response["Location"])
    assert complete.status_code == 200
    assert len(logout_forms(complete)) == 1


def test_d1_4_logout_ends_the_session(customer_client):
    response = customer_client.post(reverse("desk:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:login")
    assert not is_logged_in(customer_client)
    response = customer_client.get(reverse("desk:status"))
    assert response["Location"].startswith(reverse("desk:login"))


def test_d1_4_logout_needs_post(customer_client):
    """A link or an image on another site cannot log the customer out."""
    assert customer_client.get(reverse("desk:logout")).status_code == 405
    assert is_logged_in(customer_client)


def test_d1_4_session_key_changes_at_login(client, customer, password):
    before = client.session  # the session a visitor (or an attacker) started
    before["planted"] = True
    before.save()
    planted_key = before.session_key
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == planted_key
    assert post_login(client, customer.username, password).status_code == 302
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != planted_key
    assert not Session.objects.filter(session_key=planted_key).exists()
    # Whoever kept the old key has no session.
    client.cookies[settings.SESSION_COOKIE_NAME] = planted_key
    response = client.get(reverse("desk:status"))
    assert response["Location"].startswith(reverse("desk:login"))


def test_d1_4_session_settings():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_d1_4_session_cookie_ends_when_the_browser_closes(client, customer, password):
    response = post_login(client, customer.username, password)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert cookie["httponly"]


def test_d1_4_idle_session_ends_after_30_minutes(client, customer, password, time_machine):
    time_machine.move_to(START, tick=False)
    post_login(client, customer.username, password)
    # Every request restarts the 30 minutes.
    for _ in range(3):
        time_machine.shift(timedelta(minutes=29))
        assert client.get(reverse("desk:status")).status_code == 200
    time_machine.shift(timedelta(minutes=30, seconds=1))
    response = client.get(reverse("desk:status"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("desk:login"))


def test_d1_4_a_session_idle_for_less_than_30_minutes_survives(
    client, customer, password, time_machine
):
    time_machine.move_to(START, tick=False)
    post_login(client, customer.username, password)
    time_machine.shift(timedelta(minutes=29, seconds=59))
    assert client.get(reverse("desk:status")).status_code == 200
