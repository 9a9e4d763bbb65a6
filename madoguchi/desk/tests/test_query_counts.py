"""Every desk page runs a small, fixed number of queries (performance.md; issue 2 "Done when").

The counts include the SAVEPOINT/RELEASE pair of the session save that the test transaction
adds. A page that needs one more query should get a reason, not a bigger number.
"""

import pytest
from django.urls import reverse

from madoguchi.applications.tests.factories import ApplicationFactory
from madoguchi.contracts.tests.factories import phone_pages
from madoguchi.contracts.tests.pages import login_data
from madoguchi.notices.tests.make import make_notice
from madoguchi.testing.drafts import with_draft_token

pytestmark = pytest.mark.django_db

NEW = "Abc-1234"
# session, user, contract, (page's own query), session save (savepoint, update, release)
PAGE_QUERIES = 6

PAGES = {
    # Mailboxes (D2.2), applications in progress and recently finished, the notices of the
    # contract's products (the banner).
    "status": (reverse("desk:status"), PAGE_QUERIES + 4),
    "password": (reverse("desk:password"), PAGE_QUERIES),
    "phone_setup": (reverse("desk:phone", args=["setup"]), PAGE_QUERIES + 1),  # the page row
    "phone_fault": (reverse("desk:phone", args=["fault"]), PAGE_QUERIES + 1),
    "phone_billing": (reverse("desk:phone", args=["billing"]), PAGE_QUERIES + 1),
    "phone_procedures": (reverse("desk:phone", args=["procedures"]), PAGE_QUERIES + 1),
    # ご請求関連 (D6): the billing applications in progress (one at a time per kind).
    "billing": (reverse("desk:billing"), PAGE_QUERIES + 1),
    "billing_address": (reverse("desk:billing_address"), PAGE_QUERIES + 1),
    # … and the contract's mail accounts, the addresses a notice may go to.
    "billing_notice": (reverse("desk:billing_notice"), PAGE_QUERIES + 2),
    # The mailbox list (D4.1): the mailboxes, and the pending orders with their applications.
    "mail": (reverse("mailboxes:list"), PAGE_QUERIES + 2),
    # D5.1: the three drop-downs' choices.
    "cancellation": (reverse("cancellation:input"), PAGE_QUERIES + 1),
}


def test_queries_login_page_runs_none(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        assert client.get(reverse("desk:login")).status_code == 200


def test_queries_login_post(client, customer, password, django_assert_max_num_queries):
    # The throttling check (one query, before hashing); user, contract, session create (4),
    # last_login, audit row, session save (3).
    with django_assert_max_num_queries(12):
        response = client.post(reverse("desk:login"), login_data(customer.username, password))
    assert response.status_code == 302


def test_queries_failed_login_post(client, customer, django_assert_max_num_queries):
    # The check, the user; the failure: insert, one count, the locks (3 + 2 savepoints).
    with django_assert_max_num_queries(7):
        response = client.post(reverse("desk:login"), login_data(customer.username, "Wrong-1"))
    assert response.status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_queries_desk_page(customer_client, page, django_assert_max_num_queries):
    phone_pages()
    url, most = PAGES[page]
    with django_assert_max_num_queries(most):
        assert customer_client.get(url).status_code == 200


def test_queries_password_flow(customer_client, password, django_assert_max_num_queries):
    data = {"current_password": password, "new_password": NEW, "new_password_confirm": NEW}
    with django_assert_max_num_queries(PAGE_QUERIES + 1):  # the throttling check (D1.2)
        assert customer_client.post(reverse("desk:password"), data).status_code == 302
    with django_assert_max_num_queries(PAGE_QUERIES):
        assert customer_client.get(reverse("desk:password_confirm")).status_code == 200
    # The change: session, user, contract; the draft popped and saved at once (3); contract
    # lock, duplicate check, user lock, update, application, audit, the acceptance mail in
    # the outbox (7 + 4 savepoints); new session key after the password change (create 4,
    # delete 2); the final session save (3).
    with django_assert_max_num_queries(27):
        response = customer_client.post(
            reverse("desk:password_confirm"), with_draft_token(customer_client, "network_password")
        )
    assert response.status_code == 302
    with django_assert_max_num_queries(PAGE_QUERIES + 1):  # the application
        assert customer_client.get(response["Location"]).status_code == 200


def test_queries_status_page_does_not_grow_with_applications(
    customer_client, customer, django_assert_num_queries
):
    """No N+1: one application or ten, the same queries."""
    ApplicationFactory(submitted_by=customer)
    with django_assert_num_queries(PAGE_QUERIES + 4):
        customer_client.get(reverse("desk:status"))
    for _ in range(9):
        ApplicationFactory(submitted_by=customer, processing=True)
    with django_assert_num_queries(PAGE_QUERIES + 4):
        response = customer_client.get(reverse("desk:status"))
    assert response.content.decode().count("反映中") == 10


def test_queries_status_page_notice_banner_is_one_query(customer_client, django_assert_num_queries):
    """D2: the banner of the contract's notices costs one query, however many there are."""
    for number in range(5):
        make_notice(f"工事{number}", products=("fiber", "mail"))
    with django_assert_num_queries(PAGE_QUERIES + 4):
        response = customer_client.get(reverse("desk:status"))
    assert response.content.decode().count('href="/support/notices/') == 5
