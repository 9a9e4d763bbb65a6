"""X1/X2 with two tabs: 「登録」 on an older confirm page never submits a newer draft unseen.

The confirm-step helper (``lib/drafts.Flow``): a draft whose confirm page shows everything it
submits is shown again with a message; a draft with a new mail password (which the confirm
page cannot show) is dropped, and the customer starts over at its input step.
"""

import re

import pytest

from madoguchi.applications.models import Application
from madoguchi.lib.drafts import RESTART_MESSAGE, STALE_MESSAGE
from madoguchi.mailboxes.models import MailboxOrder
from madoguchi.mailboxes.tests.desk_pages import (
    CONFIRM,
    LIST,
    TERMS,
    add_data,
    add_url,
    all_errors,
    change_url,
    complete_url,
    delete_url,
    virus_only,
)
from madoguchi.mailboxes.tests.factories import MailboxFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_mailbox(customer, mailbox):
    return MailboxFactory(contract=customer.contract, slot=2, account="k04xm40u")


def draft_token(response) -> str:
    return re.search(r'name="draft" value="([0-9a-f]+)"', response.content.decode()).group(1)


def test_x2_older_tab_with_a_password_starts_over_at_the_newer_drafts_input(
    customer_client, mailbox
):
    """Tab 1 confirms an add on slot 02; tab 2 starts an add on slot 03; tab 1's 「登録」."""
    first = customer_client.post(add_url(2), add_data("tabone"))
    assert first.status_code == 302, all_errors(first)
    tab_one = draft_token(customer_client.get(CONFIRM))
    second = customer_client.post(add_url(3), add_data("tabtwo"))
    assert second.status_code == 302, all_errors(second)

    response = customer_client.post(CONFIRM, {"draft": tab_one})

    assert response["Location"] == add_url(3)  # the input step, never 「登録」 unseen
    assert RESTART_MESSAGE in customer_client.get(response["Location"]).content.decode()
    assert not Application.objects.exists()
    assert not MailboxOrder.objects.exists()
    # The newer draft was dropped too: its password is typed again before anything is sent.
    assert customer_client.get(CONFIRM)["Location"] == LIST


def test_x2_older_tab_without_a_password_shows_the_newer_draft_for_a_deliberate_register(
    customer_client, mailbox, second_mailbox
):
    """Tab 1 confirms a delete of 01; tab 2 confirms a delete of 02; tab 1's 「登録」."""
    customer_client.get(delete_url(1))
    tab_one = draft_token(customer_client.get(CONFIRM))
    customer_client.get(delete_url(2))

    response = customer_client.post(CONFIRM, {"draft": tab_one}, follow=True)

    assert not Application.objects.exists()
    page = response.content.decode()
    assert STALE_MESSAGE in page
    assert second_mailbox.address in page  # the draft now in force, shown in full
    current = draft_token(response)
    customer_client.post(CONFIRM, {"draft": current})
    order = MailboxOrder.objects.get()
    assert (order.slot, order.action) == (2, "delete")


def test_x2_a_replayed_form_without_the_draft_token_submits_nothing(customer_client, mailbox):
    """Security finding 6: the confirm step requires the page's draft token."""
    customer_client.post(change_url(1), virus_only(True))
    assert customer_client.post(TERMS, {"agree": "1"})["Location"] == CONFIRM
    response = customer_client.post(CONFIRM, {"mail_to": []})
    assert response["Location"] == CONFIRM
    assert not Application.objects.exists()


def test_x2_register_with_the_current_token_submits_once(customer_client, mailbox):
    customer_client.post(add_url(2), add_data("tabone"))
    token = draft_token(customer_client.get(CONFIRM))
    first = customer_client.post(CONFIRM, {"draft": token})
    second = customer_client.post(CONFIRM, {"draft": token})  # a double click
    application = Application.objects.get()
    assert first["Location"] == second["Location"] == complete_url(application.pk)
