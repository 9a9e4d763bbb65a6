"""S5: no mail bombing through the form — limits per client and per address, the honeypot,
and nothing typed reaches a mail header."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from madoguchi.contracts.tests.pages import (
    attr,
    by_id,
    dom,
    field_errors,
    find_all,
    form_errors,
    text,
)
from madoguchi.inquiries import services
from madoguchi.inquiries.models import Inquiry
from madoguchi.inquiries.tests.pages import CONFIRM, FLOW, INPUT, confirm, enter, send, values
from madoguchi.lib.drafts import SESSION_KEY
from madoguchi.outbox.models import Mail

pytestmark = pytest.mark.django_db

CLIENT_LIMITED = (
    "短時間に多くのお問い合わせが送信されたため、現在お問い合わせを受け付けられません。"
)
ADDRESS_LIMITED = (
    "このメールアドレスからのお問い合わせが短時間に続いたため、現在受け付けられません。"
)


def address(n: int) -> dict:
    return values(email=f"user{n}@example.com", email_confirm=f"user{n}@example.com")


def test_s5_fifty_posts_from_one_client_in_a_minute_are_throttled(client, settings):
    """Each post a whole inquiry from a new session (as a bot does); only the limit's worth
    is stored and mailed, the rest get a clear message with 429."""
    assert settings.INQUIRY_LIMIT_PER_CLIENT == 10
    statuses = []
    for n in range(50):
        bot = Client(REMOTE_ADDR="198.51.100.7")
        response = enter(bot, address(n))
        if response.status_code == 302:
            response = confirm(bot)
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert CLIENT_LIMITED in " ".join(form_errors(response))
    assert statuses == [302] * 10 + [429] * 40
    assert Inquiry.objects.count() == 10
    assert Mail.objects.count() == 10
    # Another client is not affected.
    assert send(Client(REMOTE_ADDR="198.51.100.8"), address(99)).status_code == 302


def test_s5_the_limit_is_enforced_at_the_final_submit(settings):
    """Drafts started before the limit was reached are refused at 「送信する」 (429)."""
    settings.INQUIRY_LIMIT_PER_CLIENT = 3
    browsers = [Client(REMOTE_ADDR="198.51.100.9") for _ in range(5)]
    for n, browser in enumerate(browsers):
        assert enter(browser, address(n)).status_code == 302
    responses = [confirm(browser) for browser in browsers]
    assert [r.status_code for r in responses] == [302, 302, 302, 429, 429]
    assert CLIENT_LIMITED in text(by_id(dom(responses[3]), "limited"))
    assert Inquiry.objects.count() == 3 and Mail.objects.count() == 3
    # The refused draft is kept: the page can be sent once the window has passed.
    assert FLOW in browsers[3].session[SESSION_KEY]


def test_s5_the_input_page_says_so_when_the_client_is_limited(settings):
    settings.INQUIRY_LIMIT_PER_CLIENT = 1
    browser = Client(REMOTE_ADDR="198.51.100.10")
    send(browser)
    page = browser.get(INPUT)
    assert CLIENT_LIMITED in text(by_id(dom(page), "limited"))
    until = timezone.localtime(Inquiry.objects.get().received_at + timedelta(hours=1))
    assert f"{until:%H:%M} 以降にあらためてお送りください。" in page.content.decode()


def test_s5_per_address_limit_is_shown_beside_the_address(settings):
    assert settings.INQUIRY_LIMIT_PER_ADDRESS == 5
    for n in range(5):
        send(
            Client(REMOTE_ADDR=f"198.51.100.{20 + n}"),
            values(email="Same@Example.com", email_confirm="Same@Example.com"),
        )
    response = enter(
        Client(REMOTE_ADDR="198.51.100.30"),
        values(email="same@example.com", email_confirm="same@example.com"),
    )
    assert response.status_code == 429
    assert field_errors(response, "email")[0].startswith(ADDRESS_LIMITED)
    assert Inquiry.objects.count() == 5 and Mail.objects.count() == 5


def test_s5_the_limits_last_an_hour(settings):
    settings.INQUIRY_LIMIT_PER_CLIENT = 2
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(2):
            send(Client(REMOTE_ADDR="198.51.100.40"), address(n))
        assert enter(Client(REMOTE_ADDR="198.51.100.40"), address(3)).status_code == 429
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        assert send(Client(REMOTE_ADDR="198.51.100.40"), address(4)).status_code == 302


def test_s5_the_client_address_is_kept_for_the_window_only():
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        send(Client(REMOTE_ADDR="198.51.100.50"), address(1))
    first = Inquiry.objects.get()
    assert first.client_ip == "198.51.100.50"
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        send(Client(REMOTE_ADDR="198.51.100.51"), address(2))
    first.refresh_from_db()
    assert first.client_ip is None
    assert Inquiry.objects.exclude(pk=first.pk).get().client_ip == "198.51.100.51"
    with time_machine.travel(start + timedelta(minutes=122), tick=False):
        assert services.forget_client_addresses() == 1
    assert not Inquiry.objects.filter(client_ip__isnull=False).exists()


def test_s5_the_client_behind_proxies_is_counted(settings):
    """The limit counts the address client_ip gives (MADOGUCHI_PROXY_COUNT): a forged
    X-Forwarded-For entry does not make a new client."""
    settings.MADOGUCHI_PROXY_COUNT = 1
    settings.INQUIRY_LIMIT_PER_CLIENT = 1
    send(Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5"), address(1))
    forged = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.5")
    assert enter(forged, address(2)).status_code == 429
    assert Inquiry.objects.get().client_ip == "203.0.113.5"


# --- the honeypot ----------------------------------------------------------------------------


def test_s5_the_honeypot_is_hidden_by_the_stylesheet_not_inline(client):
    page = client.get(INPUT)
    [trap] = find_all(dom(page), lambda e: attr(e, "name") == "website")
    assert attr(trap, "style") is None and attr(trap, "tabindex") == "-1"
    html = page.content.decode()
    assert 'class="field trap"' in html and "style=" not in html
    from pathlib import Path

    from django.conf import settings

    css = (Path(settings.BASE_DIR) / "static/css/support.css").read_text()
    assert ".inquiry-form .field.trap { display: none; }" in css


def test_s5_a_filled_honeypot_is_refused_and_nothing_is_stored_or_mailed(client):
    response = enter(client, values(website="http://spam.example/"))
    assert response.status_code == 400
    assert "お問い合わせを受け付けられませんでした。" in " ".join(form_errors(response))
    assert FLOW not in client.session.get(SESSION_KEY, {})
    assert client.post(CONFIRM, {}).status_code == 302  # nothing to send
    assert not Inquiry.objects.exists() and not Mail.objects.exists()


# --- headers ---------------------------------------------------------------------------------


def test_s5_nothing_typed_reaches_a_mail_header(
    client, smtp_server, django_capture_on_commit_callbacks
):
    """The subject is fixed text with the number; the address is only the recipient. Header-
    like text in the fields stays in the body."""
    with django_capture_on_commit_callbacks(execute=True):
        send(
            client,
            values(
                subject="Bcc: victim@example.org",
                body="To: victim@example.org\nSubject: spam\n\nBcc: victim@example.org",
                name="Reply-To: attacker@example.org",
                email="taro+tag@example.com",
                email_confirm="taro+tag@example.com",
            ),
        )
    inquiry = Inquiry.objects.get()
    [mail] = smtp_server.received
    assert mail.rcpt_to == ["taro+tag@example.com"]
    message = mail.message
    assert message["To"] == "taro+tag@example.com"
    assert (
        message["Subject"].strip()
        == f"【madoguchi】お問い合わせを受け付けました（{inquiry.number}）"
    )
    for name in ("Bcc", "Cc", "Reply-To"):
        assert message[name] is None
    headers = mail.raw.split(b"\r\n\r\n", 1)[0].decode()
    assert "victim" not in headers and "attacker" not in headers
    assert "Bcc: victim@example.org" in mail.text


def test_s5_the_periodic_command_forgets_client_addresses_without_new_inquiries():
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        send(Client(REMOTE_ADDR="198.51.100.60"), address(1))
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        send(Client(REMOTE_ADDR="198.51.100.61"), address(2))
    out = StringIO()
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        call_command("forget_inquiry_addresses", stdout=out)
    assert list(Inquiry.objects.order_by("pk").values_list("client_ip", flat=True)) == [
        None,
        "198.51.100.61",
    ]
    assert "1 inquiry" in out.getvalue()
