"""D1.2, X7: throttling and the audit log see the same client address, behind proxies too.

``MADOGUCHI_PROXY_COUNT`` (settings.MADOGUCHI_PROXY_COUNT) proxies each append the address
they were connected from to ``X-Forwarded-For``; the client is the entry that the outermost
of them wrote. Entries left of it are the client's own and are never trusted. Both the audit
log and login throttling take it from ``audit.services.forwarded_client_ip``.
"""

import pytest
from django.test import RequestFactory

from madoguchi.audit.models import AuditEntry
from madoguchi.audit.services import client_ip, forwarded_client_ip
from madoguchi.contracts.tests.pages import post_login
from madoguchi.throttling.models import LoginFailure, LoginLock

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
CLIENT = "198.51.100.7"
STRANGER = "198.51.100.66"


def via_proxy(client, username, password, forwarded_for):
    return post_login(client, username, password, ip=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


def fail_on_many_ids(client, forwarded_for, count):
    """``count`` failures from one client, each on a different (unknown) ID."""
    return [
        via_proxy(client, f"guess{n}@biz.example.ne.jp", "Wrong-1", forwarded_for)
        for n in range(count)
    ]


def test_d1_2_x7_behind_one_proxy_throttling_and_audit_use_the_forwarded_address(
    client, settings, customer, password
):
    settings.MADOGUCHI_PROXY_COUNT = 1
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    # A stranger behind the same proxy, forging the left part of the header, reaches the
    # address limit: the address throttled is the stranger's, not the proxy's.
    responses = fail_on_many_ids(client, f"192.0.2.1, {STRANGER}", 6)
    assert [r.status_code for r in responses] == [200] * 5 + [429]
    assert set(LoginFailure.objects.values_list("ip_address", flat=True)) == {STRANGER}
    assert LoginLock.objects.get().key == STRANGER
    # The customer behind the same proxy is not affected, and audited at their own address.
    response = via_proxy(client, customer.username, password, f"203.0.113.9, {CLIENT}")
    assert response.status_code == 302
    assert AuditEntry.objects.get(action="desk.login").ip_address == CLIENT


def test_d1_2_x7_without_a_proxy_count_x_forwarded_for_is_ignored(
    client, settings, customer, password
):
    """A client cannot dodge the address limit by sending its own X-Forwarded-For."""
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    responses = [
        via_proxy(client, f"guess{n}@biz.example.ne.jp", "Wrong-1", f"192.0.2.{n}")
        for n in range(6)
    ]
    assert responses[5].status_code == 429
    assert set(LoginFailure.objects.values_list("ip_address", flat=True)) == {PROXY}
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
    assert client_ip(request) == forwarded_client_ip(request)  # one helper
