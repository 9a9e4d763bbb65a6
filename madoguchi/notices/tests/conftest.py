"""Fixtures of the notices' tests: an operator's back office session."""

import pytest


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client
