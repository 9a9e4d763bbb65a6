"""Fixtures of the back office tests: an operator's browser session and admin URLs."""

import pytest
from django.urls import reverse


def url(name: str, *args) -> str:
    """A back office URL by its admin name, e.g. ``url("contracts_contract_change", pk)``."""
    return reverse(f"backoffice:{name}", args=args)


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def every_page_object(customer, operator):
    """One object of every model the back office shows (see ``every_page.make_objects``)."""
    from madoguchi.backoffice.tests.every_page import make_objects

    return make_objects(customer, operator)
