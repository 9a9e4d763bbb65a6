"""X1/X2 with two tabs: 「登録」 on an older confirm page never applies a password typed later."""

import re

import pytest
from django.urls import reverse

from madoguchi.applications.models import Application
from madoguchi.lib.drafts import STALE_MESSAGE

pytestmark = pytest.mark.django_db


def enter(client, current, new):
    response = client.post(
        reverse("desk:password"),
        {"current_password": current, "new_password": new, "new_password_confirm": new},
    )
    assert response.status_code == 302
    page = client.get(reverse("desk:password_confirm")).content.decode()
    return re.search(r'name="draft" value="([0-9a-f]+)"', page).group(1)


def test_x2_register_on_an_older_tab_changes_nothing(customer_client, customer, password):
    tab_one = enter(customer_client, password, "Abc-1234")
    enter(customer_client, password, "Xyz-9876")  # the second tab enters another password

    response = customer_client.post(
        reverse("desk:password_confirm"), {"draft": tab_one}, follow=True
    )

    assert STALE_MESSAGE in response.content.decode()
    assert not Application.objects.exists()
    customer.refresh_from_db()
    assert customer.check_password(password)


def test_x2_register_with_the_current_token_changes_the_password(
    customer_client, customer, password
):
    token = enter(customer_client, password, "Abc-1234")
    customer_client.post(reverse("desk:password_confirm"), {"draft": token})
    customer.refresh_from_db()
    assert customer.check_password("Abc-1234")
    assert Application.objects.count() == 1
