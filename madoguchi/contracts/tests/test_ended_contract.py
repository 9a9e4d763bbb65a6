"""D1.3: a contract whose cancellation has completed cannot use the desk."""

import pytest
from django.urls import reverse

from madoguchi.contracts.models import Contract
from madoguchi.contracts.tests.pages import form_errors, is_logged_in, post_login
from madoguchi.contracts.views import ENDED_CONTRACT, INVALID_LOGIN

pytestmark = pytest.mark.django_db


def test_d1_3_ended_contract_is_refused_with_a_clear_message(client, ended_customer, password):
    response = post_login(client, ended_customer.username, password)
    assert response.status_code == 200
    assert form_errors(response) == [ENDED_CONTRACT]
    assert "廃止手続きが完了" in ENDED_CONTRACT
    assert not is_logged_in(client)


def test_d1_3_ended_contract_with_a_wrong_password_gets_the_generic_message(client, ended_customer):
    """The clear message needs the right password: it must not reveal the contract's state."""
    response = post_login(client, ended_customer.username, "Wrong-123")
    assert form_errors(response) == [INVALID_LOGIN]


@pytest.mark.parametrize("status", [Contract.Status.ACTIVE, Contract.Status.CANCELLATION_ACCEPTED])
def test_d1_3_contracts_not_yet_ended_log_in(client, customer, password, status):
    Contract.objects.filter(pk=customer.contract_id).update(status=status)
    assert post_login(client, customer.username, password).status_code == 302


def test_d1_3_contract_ending_during_a_session_logs_out_on_the_next_request(
    customer_client, customer
):
    assert customer_client.get(reverse("desk:status")).status_code == 200
    Contract.objects.filter(pk=customer.contract_id).update(status=Contract.Status.ENDED)
    response = customer_client.get(reverse("desk:password"))
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:login")
    assert not is_logged_in(customer_client)
    # Logged out for good: the next page asks for the login again.
    response = customer_client.get(reverse("desk:status"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("desk:login"))
