"""X2, D3.3: two submissions at the same moment make one change (real transactions)."""

import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from madoguchi.applications.models import Application
from madoguchi.applications.services import DuplicateSubmission
from madoguchi.desk import services
from madoguchi.lib.drafts import Flow
from madoguchi.testing.concurrency import run_together
from madoguchi.testing.drafts import with_draft_token

NEW = "Abc-1234"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hashes():
    return services.hash_network_password(NEW)


def test_x2_same_submission_key_at_once_makes_one_application(customer, hashes):
    barrier = threading.Barrier(2, timeout=10)

    def submit():
        barrier.wait()
        return services.change_network_password(
            user=type(customer).objects.get(pk=customer.pk),
            hashes=hashes,
            submission_key="same-key",
            ip=None,
        )

    results = run_together(submit, submit)
    created = [r for r in results if isinstance(r, Application)]
    refused = [r for r in results if isinstance(r, DuplicateSubmission | services.CooldownActive)]
    assert len(created) == 1 and len(refused) == 1, results
    assert Application.objects.count() == 1


def test_d3_3_different_keys_at_once_make_one_change(customer, hashes):
    barrier = threading.Barrier(2, timeout=10)

    def submit(key):
        def call():
            barrier.wait()
            return services.change_network_password(
                user=type(customer).objects.get(pk=customer.pk),
                hashes=hashes,
                submission_key=key,
                ip=None,
            )

        return call

    results = run_together(submit("key-1"), submit("key-2"))
    assert sorted(type(r).__name__ for r in results) == ["Application", "CooldownActive"], results
    assert Application.objects.count() == 1


def test_x2_double_click_on_register_makes_one_application_and_one_mail(
    customer, password, mailoutbox, monkeypatch
):
    """Two POSTs of the confirm step with one session, both past the draft check at once."""
    browser = Client()
    browser.force_login(customer)
    data = {"current_password": password, "new_password": NEW, "new_password_confirm": NEW}
    assert browser.post(reverse("desk:password"), data).status_code == 302
    cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value

    barrier = threading.Barrier(2, timeout=10)
    load_draft = Flow.load

    def load_draft_together(flow, request):
        draft = load_draft(flow, request)
        barrier.wait()  # both requests have read the session with the draft in it
        return draft

    monkeypatch.setattr(Flow, "load", load_draft_together)

    def click():
        tab = Client()
        tab.cookies[settings.SESSION_COOKIE_NAME] = cookie
        return tab.post(reverse("desk:password_confirm"), with_draft_token(tab, "network_password"))

    responses = run_together(click, click)
    assert all(not isinstance(r, Exception) for r in responses), responses
    assert Application.objects.count() == 1
    application = Application.objects.get()
    assert sorted(r.status_code for r in responses) == [302, 302], responses
    locations = {r["Location"] for r in responses}
    assert reverse("desk:password_complete", args=[application.pk]) in locations
    assert len(mailoutbox) == 1
    customer.refresh_from_db()
    assert customer.check_password(NEW)


def test_x2_second_click_arriving_after_the_first_finished_changes_nothing(
    customer, password, mailoutbox
):
    """The usual double click: the second POST carries the session cookie of before."""
    browser = Client()
    browser.force_login(customer)
    data = {"current_password": password, "new_password": NEW, "new_password_confirm": NEW}
    browser.post(reverse("desk:password"), data)
    old_cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value
    first = browser.post(
        reverse("desk:password_confirm"), with_draft_token(browser, "network_password")
    )
    late_tab = Client()
    late_tab.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    second = late_tab.post(
        reverse("desk:password_confirm"), with_draft_token(late_tab, "network_password")
    )
    assert first.status_code == second.status_code == 302
    assert Application.objects.count() == 1
    assert len(mailoutbox) == 1
    # The session key changed with the password (update_session_auth_hash): the late tab's
    # key is gone, so it is asked to log in; the browser that made the change is not.
    assert second["Location"].startswith(reverse("desk:login"))
    assert browser.get(first["Location"]).status_code == 200


def test_x2_second_click_that_read_the_draft_before_the_first_finished(
    customer, password, mailoutbox, monkeypatch
):
    """The second POST read the session (with the draft) while the first was still running;
    by the time it takes the draft, the first has changed the password and the session key.
    It must change nothing and must not fail (it used to answer 500)."""
    browser = Client()
    browser.force_login(customer)
    data = {"current_password": password, "new_password": NEW, "new_password_confirm": NEW}
    browser.post(reverse("desk:password"), data)
    cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value

    read, go_on = threading.Event(), threading.Event()
    load_draft = Flow.load

    def load_draft_then_wait(flow, request):
        draft = load_draft(flow, request)
        if threading.current_thread() is not threading.main_thread():
            read.set()
            assert go_on.wait(timeout=10)
        return draft

    monkeypatch.setattr(Flow, "load", load_draft_then_wait)

    results: list = []

    def late_click():
        tab = Client()
        tab.cookies[settings.SESSION_COOKIE_NAME] = cookie
        try:
            results.append(
                tab.post(
                    reverse("desk:password_confirm"), with_draft_token(tab, "network_password")
                )
            )
        finally:
            connection.close()

    late = threading.Thread(target=late_click)
    late.start()
    assert read.wait(timeout=10)
    first = browser.post(
        reverse("desk:password_confirm"), with_draft_token(browser, "network_password")
    )  # runs to the end meanwhile
    go_on.set()
    late.join(timeout=30)
    assert first["Location"].startswith("/desk/password/complete/")
    assert [r.status_code for r in results] == [302]
    assert Application.objects.count() == 1
    assert len(mailoutbox) == 1
    assert browser.get(first["Location"]).status_code == 200
