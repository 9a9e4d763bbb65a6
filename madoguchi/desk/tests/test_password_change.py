"""D3: the network authentication password change."""

import pytest
from django.urls import reverse

from madoguchi.applications.models import Application
from madoguchi.provisioning.models import RadCheck

NEW = "Abc-1234"


def submit(client, current, new, confirm=None):
    return client.post(
        reverse("desk:password"),
        {"current_password": current, "new_password": new, "new_password_confirm": confirm or new},
    )


@pytest.mark.django_db(transaction=True)
def test_d3_valid_change_publishes_and_mails(customer_client, customer, password, mailoutbox):
    """D3.3–D3.5, P1, X4: a valid change creates one application, publishes, mails."""
    response = submit(customer_client, password, NEW)
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:password_confirm")
    response = customer_client.post(reverse("desk:password_confirm"))
    application = Application.objects.get()
    assert response["Location"] == reverse("desk:password_complete", args=[application.pk])
    application.refresh_from_db()
    assert application.status == Application.Status.DONE
    row = RadCheck.objects.get(username=customer.username)
    assert row.attribute == "Crypt-Password" and row.value.startswith("$6$")
    assert len(mailoutbox) == 1
    assert NEW not in mailoutbox[0].body
    # X2: the same final POST again creates nothing.
    customer_client.post(reverse("desk:password_confirm"))
    assert Application.objects.count() == 1
    assert len(mailoutbox) == 1
