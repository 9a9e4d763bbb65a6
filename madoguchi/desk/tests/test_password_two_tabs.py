"""X1/X2 with two tabs: 「登録」 on an older confirm page never applies a password typed later.

The password confirm page cannot show what it submits, so a POST from the confirm page of
another draft (or with no draft token at all) submits nothing and starts over at the input
step, with a message: the customer is never offered 「登録」 for a password they did not type
in that tab (the confirm-step helper, ``lib/drafts.Flow``).
"""

import re

import pytest
from django.urls import reverse

from madoguchi.applications.models import Application
from madoguchi.lib.drafts import EXPIRED_MESSAGE, RESTART_MESSAGE

pytestmark = pytest.mark.django_db


def enter(client, current, new):
    response = client.post(
        reverse("desk:password"),
        {"current_password": current, "new_password": new, "new_password_confirm": new},
    )
    assert response.status_code == 302
    page = client.get(reverse("desk:password_confirm")).content.decode()
    return re.search(r'name="draft" value="([0-9a-f]+)"', page).group(1)


def test_x2_register_on_an_older_tab_starts_over_and_changes_nothing(
    customer_client, customer, password
):
    tab_one = enter(customer_client, password, "Abc-1234")
    tab_two = enter(customer_client, password, "Xyz-9876")  # the second tab, another password

    response = customer_client.post(reverse("desk:password_confirm"), {"draft": tab_one})

    assert response["Location"] == reverse("desk:password")  # the input step, not 「登録」
    page = customer_client.get(response["Location"]).content.decode()
    assert RESTART_MESSAGE in page
    assert not Application.objects.exists()
    customer.refresh_from_db()
    assert customer.check_password(password)
    # The second tab's draft went too: its 「登録」 submits nothing either.
    response = customer_client.post(reverse("desk:password_confirm"), {"draft": tab_two})
    assert response["Location"] == reverse("desk:password")
    assert EXPIRED_MESSAGE in customer_client.get(response["Location"]).content.decode()
    assert not Application.objects.exists()


def test_x2_a_replayed_form_without_the_draft_token_submits_nothing(
    customer_client, customer, password
):
    """Security finding 6: the confirm step requires the page's draft token."""
    enter(customer_client, password, "Abc-1234")
    response = customer_client.post(reverse("desk:password_confirm"))
    assert response["Location"] == reverse("desk:password")
    assert not Application.objects.exists()
    customer.refresh_from_db()
    assert customer.check_password(password)


def test_x2_register_with_the_current_token_changes_the_password(
    customer_client, customer, password
):
    token = enter(customer_client, password, "Abc-1234")
    response = customer_client.post(reverse("desk:password_confirm"), {"draft": token})
    application = Application.objects.get()
    assert response["Location"] == reverse("desk:password_complete", args=[application.pk])
    customer.refresh_from_db()
    assert customer.check_password("Abc-1234")
    # A second click of the same page lands on the same completion page, creating nothing.
    again = customer_client.post(reverse("desk:password_confirm"), {"draft": token})
    assert again["Location"] == response["Location"]
    assert Application.objects.count() == 1
