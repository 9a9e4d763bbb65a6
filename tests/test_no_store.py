"""Issue 6, finding 3: no page a logged-in person gets may be kept by a cache.

Walks every URL pattern as the access matrix does (its ``routes`` and ``Objects``), so a
new page is covered as soon as it is added there. Every answer to a logged-in customer or
operator — a page, a redirect, a refusal, a 404 — carries ``Cache-Control: no-store``.
"""

import pytest
from django.test import Client
from django.urls import reverse
from test_access_matrix import MATRIX, Objects, people, routes  # noqa: F401 (fixture)

from madoguchi.contracts.tests.pages import is_logged_in

pytestmark = pytest.mark.django_db


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


@pytest.mark.parametrize("role", ["customer", "support_id", "mailbox", "kanrisha"])
def test_issue6_finding3_every_page_for_a_logged_in_person_is_no_store(people, role):  # noqa: F811 (the fixture)
    objects = Objects(people["customer"])
    client = Client()
    client.force_login(people[role])
    checked, failures = 0, []
    for route in routes():
        url, _ = objects.url(route.route)
        for method in MATRIX[route.key]:
            if (
                route.key in {"desk:logout", "support:logout", "backoffice:logout"}
                and method == "POST"
            ):
                continue  # logs out: the answer is for nobody in particular
            response = client.generic(method, url)
            assert is_logged_in(client), f"{method} {url} logged {role} out"
            checked += 1
            if not {"no-store", "private"} <= cache_control(response):
                failures.append(
                    f"{method} {url} ({response.status_code}): {response.get('Cache-Control')}"
                )
    assert not failures, "\n".join(failures)
    assert checked > 100


def test_issue6_finding3_pages_for_visitors_may_be_cached(client):
    """Only logged-in answers are marked: the public landing page is not."""
    response = client.get(reverse("landing"))
    assert response.status_code == 200
    assert "no-store" not in cache_control(response)
