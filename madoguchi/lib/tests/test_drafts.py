"""Security finding 5, X2: a draft lives 30 minutes, and the hash it may hold goes with it —
from a session still in use too (``DraftMiddleware``), not only when the session expires."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from madoguchi.mailboxes.tests.desk_pages import LIST, add_data, add_url
from madoguchi.mailboxes.tests.factories import MailboxFactory

pytestmark = pytest.mark.django_db


def stored_session(client) -> dict:
    key = client.cookies["sessionid"].value
    return Session.objects.get(session_key=key).get_decoded()


def test_finding5_an_expired_draft_and_its_hash_leave_a_live_session(
    customer_client, customer, time_machine
):
    MailboxFactory(contract=customer.contract, slot=1)
    start = timezone.now()
    time_machine.move_to(start)
    assert customer_client.post(add_url(2), add_data("hanako"))["Location"].endswith("/confirm/")
    draft = stored_session(customer_client)["drafts"]["mailbox"]
    assert draft["data"]["password_hash"].startswith("{ARGON2ID}")

    time_machine.move_to(start + timedelta(minutes=20))
    customer_client.get(LIST)  # the customer goes on using the desk
    assert "mailbox" in stored_session(customer_client)["drafts"]
    time_machine.move_to(start + timedelta(minutes=31))
    customer_client.get(LIST)

    session = stored_session(customer_client)
    assert "_auth_user_id" in session  # still logged in
    assert session["drafts"] == {}
    assert "ARGON2ID" not in str(session)
