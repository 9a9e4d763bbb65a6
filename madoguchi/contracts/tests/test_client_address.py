"""D1.2, X7: throttling and the audit log see the same client address, behind proxies too.

``MADOGUCHI_PROXY_COUNT`` (settings.MADOGUCHI_PROXY_COUNT) proxies each append the address
they were connected from to ``X-Forwarded-For``; the client is the entry that the outermost
of them wrote. Entries left of it are the client's own and are never trusted.
"""

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory

from madoguchi.audit.models import AuditEntry
from madoguchi.audit.services import client_ip
from madoguchi.contracts.tests.pages import post_login

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
CLIENT = "198.51.100.7"
STRANGER = "198.51.100.66"


def via_proxy(client, username, password, forwarded_for):
    return post_login(client, username, password, ip=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


def test_d1_2_x7_behind_one_proxy_throttling_and_audit_use_the_forwarded_address(
    client, settings, customer, password
):
    settings.MADOGUCHI_PROXY_COUNT = 1
    # A stranger behind the same proxy, forging the left part of the header, is locked...
    for n in range(5):
        last = via_proxy(client, customer.username, "Wrong-1", f"192.0.2.{n}, {STRANGER}")
    assert last.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}
    # ...and neither the proxy's address nor the customer behind it is.
    response = via_proxy(client, customer.username, password, f"203.0.113.9, {CLIENT}")
    assert response.status_code == 302
    assert AuditEntry.objects.get(action="desk.login").ip_address == CLIENT


def test_d1_2_x7_without_a_proxy_count_x_forwarded_for_is_ignored(
    client, customer, other_customer, password
):
    """A client cannot dodge the address lock by sending its own X-Forwarded-For."""
    responses = [
        via_proxy(client, other_customer.username, "Wrong-1", f"192.0.2.{n}") for n in range(5)
    ]
    assert responses[4].status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY}
    assert via_proxy(client, customer.username, password, CLIENT).status_code == 429


def test_x7_client_ip_follows_the_proxy_count(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.1, {CLIENT}, 10.0.0.2"
    )
    settings.MADOGUCHI_PROXY_COUNT = 0
    assert client_ip(request) == PROXY
    settings.MADOGUCHI_PROXY_COUNT = 1
    assert client_ip(request) == "10.0.0.2"
    settings.MADOGUCHI_PROXY_COUNT = 2
    assert client_ip(request) == CLIENT
    # Fewer entries than proxies: the request bypassed the outer ones; the leftmost entry was
    # still written by one of ours.
    settings.MADOGUCHI_PROXY_COUNT = 5
    assert client_ip(request) == "192.0.2.1"
    # A header that is not an address (misconfigured proxy) falls back to the peer's address.
    bad = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="unknown")
    settings.MADOGUCHI_PROXY_COUNT = 1
    assert client_ip(bad) == PROXY
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR=PROXY)) == PROXY
    assert client_ip(None) is None
