"""Issue 6, finding 5: expired sessions are purged; a login has an absolute lifetime (D1.4)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from madoguchi.contracts.tests.pages import is_logged_in, page_text, post_login
from madoguchi.lib.middleware import LOGIN_AT, session_ended_message

pytestmark = pytest.mark.django_db

START = datetime(2024, 1, 11, 0, 0, tzinfo=UTC)


def stored_session(expires_in: timedelta, **data) -> str:
    store = SessionStore()
    store.update(data)
    store.set_expiry(timezone.now() + expires_in)
    store.save()
    return store.session_key


def test_issue6_finding5_clearsessions_deletes_expired_sessions_and_keeps_live_ones():
    """What `bin/run-local` runs every 5 minutes and production's cron line (docs/deploy.md)."""
    expired = [
        stored_session(timedelta(seconds=-1)),
        stored_session(timedelta(days=-3), draft={"password_hash": "$argon2id$v=19$..."}),
    ]
    live = [stored_session(timedelta(minutes=1)), stored_session(timedelta(minutes=30))]

    call_command("clearsessions")

    assert set(Session.objects.values_list("session_key", flat=True)) == set(live)
    assert not Session.objects.filter(session_key__in=expired).exists()


def test_issue6_finding5_absolute_lifetime_setting(settings):
    assert settings.SESSION_ABSOLUTE_SECONDS == 8 * 60 * 60
    assert session_ended_message() == (
        "ログインから8時間が経過したため、ログアウトしました。もう一度ログインしてください。"
    )


def test_issue6_finding5_an_active_session_ends_8_hours_after_login(
    client, customer, password, time_machine
):
    """Requests every 29 minutes keep the idle timeout away, not the absolute lifetime."""
    time_machine.move_to(START, tick=False)
    assert post_login(client, customer.username, password).status_code == 302
    assert client.session[LOGIN_AT] == int(START.timestamp())
    for _ in range(16):  # 16 × 29 min = 7 h 44 min
        time_machine.shift(timedelta(minutes=29))
        assert client.get(reverse("desk:status")).status_code == 200
    time_machine.move_to(START + timedelta(hours=8) - timedelta(seconds=1), tick=False)
    assert client.get(reverse("desk:status")).status_code == 200

    time_machine.move_to(START + timedelta(hours=8), tick=False)
    response = client.get(reverse("desk:status"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('desk:login')}?next={reverse('desk:status')}"
    assert not is_logged_in(client)
    login_page = client.get(response["Location"])
    assert session_ended_message() in page_text(login_page)
    # A new login starts a new 8 hours.
    assert post_login(client, customer.username, password).status_code == 302
    assert client.get(reverse("desk:status")).status_code == 200
    assert client.session[LOGIN_AT] == int((START + timedelta(hours=8)).timestamp())


def test_issue6_finding5_a_post_after_the_absolute_lifetime_changes_nothing(
    client, customer, password, time_machine, settings
):
    settings.SESSION_ABSOLUTE_SECONDS = 20 * 60  # shorter than the idle timeout (30 minutes)
    time_machine.move_to(START, tick=False)
    post_login(client, customer.username, password)
    time_machine.shift(timedelta(minutes=20))
    new = "Abc-1234"
    response = client.post(
        reverse("desk:password"),
        {"current_password": password, "new_password": new, "new_password_confirm": new},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("desk:login"))
    assert not is_logged_in(client)
    customer.refresh_from_db()
    assert customer.check_password(password)


def test_issue6_finding5_the_lifetime_is_settable(
    client, customer, password, time_machine, settings
):
    settings.SESSION_ABSOLUTE_SECONDS = 20 * 60
    time_machine.move_to(START, tick=False)
    post_login(client, customer.username, password)
    time_machine.shift(timedelta(minutes=19))
    assert client.get(reverse("desk:status")).status_code == 200
    time_machine.shift(timedelta(minutes=1))
    response = client.get(reverse("desk:status"), follow=True)
    assert "ログインから20分が経過したため、ログアウトしました。" in page_text(response)


def test_issue6_finding5_the_back_office_has_the_same_lifetime(
    client, operator, time_machine, settings
):
    settings.SESSION_ABSOLUTE_SECONDS = 20 * 60
    time_machine.move_to(START, tick=False)
    client.force_login(operator)
    assert client.get(reverse("backoffice:index")).status_code == 200  # notes the login time
    time_machine.shift(timedelta(minutes=19))
    assert client.get(reverse("backoffice:index")).status_code == 200
    time_machine.shift(timedelta(minutes=1))
    response = client.get(reverse("backoffice:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("backoffice:login"))
    assert not is_logged_in(client)
