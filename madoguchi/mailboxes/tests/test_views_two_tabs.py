"""X1/X2 with two tabs: 「登録」 on an older confirm page never submits a newer draft unseen."""

import re

import pytest

from madoguchi.applications.models import Application
from madoguchi.lib.drafts import STALE_MESSAGE
from madoguchi.mailboxes.models import MailboxOrder
from madoguchi.mailboxes.tests.desk_pages import CONFIRM, add_data, add_url, all_errors

pytestmark = pytest.mark.django_db


def draft_token(response) -> str:
    return re.search(r'name="draft" value="([0-9a-f]+)"', response.content.decode()).group(1)


def test_x2_register_on_an_older_tab_submits_nothing_and_shows_the_current_draft(
    customer_client, mailbox
):
    """Tab 1 confirms an add on slot 02; tab 2 starts an add on slot 03; tab 1's 「登録」."""
    first = customer_client.post(add_url(2), add_data("tabone"))
    assert first.status_code == 302, all_errors(first)
    tab_one = draft_token(customer_client.get(CONFIRM))
    second = customer_client.post(add_url(3), add_data("tabtwo"))
    assert second.status_code == 302, all_errors(second)

    response = customer_client.post(CONFIRM, {"draft": tab_one}, follow=True)

    assert not Application.objects.exists()
    assert not MailboxOrder.objects.exists()
    page = response.content.decode()
    assert STALE_MESSAGE in page
    assert "tabtwo" in page  # the draft now in force is shown for a deliberate 「登録」

    current = draft_token(response)
    customer_client.post(CONFIRM, {"draft": current})
    order = MailboxOrder.objects.get()
    assert (order.slot, order.account) == (3, "tabtwo")


def test_x2_register_with_the_current_token_submits_once(customer_client, mailbox):
    customer_client.post(add_url(2), add_data("tabone"))
    token = draft_token(customer_client.get(CONFIRM))
    customer_client.post(CONFIRM, {"draft": token})
    customer_client.post(CONFIRM, {"draft": token})
    assert Application.objects.count() == 1
