"""S4: ``manage.py bounce_server`` receives DSNs and mailto unsubscribes for BOUNCE_DOMAIN
over real SMTP and LMTP connections: only signed addresses there are accepted, a database
error answers 451 so the relay tries again, and SIGTERM stops it cleanly."""

import os
import signal
import smtplib
import threading
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import OperationalError

from madoguchi.alerts.models import Destination
from madoguchi.delivery.management.commands import bounce_server
from madoguchi.delivery.models import Bounce, Delivery
from madoguchi.delivery.tests.bounce_data import (
    FEEDBACK_ADDRESS,
    owner,
    sample,
    sent,
    unsubscribe_address,
    verp,
)
from madoguchi.testing.smtp import free_port

pytestmark = pytest.mark.django_db(transaction=True)

DSN = "postfix_user_unknown.eml"


def connect(port: int, client=smtplib.SMTP, timeout: float = 10):
    """A connection to the server once it listens (it is started by another thread)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return client("127.0.0.1", port, timeout=timeout)
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def wire(name: str, address: str) -> bytes:
    """The sample as a relay sends it: CRLF line ends."""
    return sample(name, address).replace(b"\n", b"\r\n")


def refused(smtp, address: str) -> int:
    try:
        smtp.sendmail("", [address], wire(DSN, address))
    except smtplib.SMTPRecipientsRefused as error:
        return error.recipients[address][0]
    return 250


@pytest.fixture
def people():
    taro, hanako = owner("owner@example.com", "taro@example.com", "hanako@example.jp")
    return taro, hanako, sent(taro), sent(hanako)


def test_s4_the_command_records_a_dsn_and_a_mailto_unsubscribe_and_stops_on_sigterm(people):
    """Over SMTP: a DSN to the VERP address is recorded; a mail to the List-Unsubscribe
    mailto stops that kind for the destination (RFC 8058's mailto variant); addresses that
    are not signed ones at the bounce domain are refused with 550. SIGTERM stops it."""
    _, hanako, bounced, unsubscribed = people
    tampered = verp(bounced).replace("-", "-x", 1)
    port = free_port()
    outcome: dict = {}

    def relay():
        try:
            with connect(port) as smtp:
                outcome["dsn"] = smtp.sendmail("", [verp(bounced)], wire(DSN, verp(bounced)))
                outcome["unsubscribe"] = smtp.sendmail(
                    "hanako@example.jp",
                    [unsubscribe_address(unsubscribed)],
                    b"Subject: unsubscribe\r\n\r\nunsubscribe\r\n",
                )
                outcome["refused"] = [
                    refused(smtp, address)
                    for address in (
                        tampered,
                        "postmaster@bounce.example.ne.jp",
                        "bounce+" + verp(bounced).partition("+")[2].replace("ne.jp", "com"),
                    )
                ]
        except Exception as error:  # reported by the assertion below
            outcome["error"] = error
        finally:
            os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=relay)
    thread.start()
    out = StringIO()
    call_command("bounce_server", "--port", str(port), stdout=out)
    thread.join(timeout=10)

    assert "error" not in outcome, outcome.get("error")
    assert outcome["dsn"] == {} and outcome["unsubscribe"] == {}  # no recipient refused
    assert outcome["refused"] == [550, 550, 550]
    (bounce,) = Bounce.objects.all()
    assert (bounce.delivery_id, bounce.kind, bounce.source) == (bounced.pk, "hard", "smtp")
    hanako.refresh_from_db()
    assert hanako.outage_stopped_at is not None and hanako.maintenance_stopped_at is None
    assert dict(Delivery.objects.values_list("pk", "event")) == {
        bounced.pk: Delivery.Event.HARD_BOUNCE,
        unsubscribed.pk: Delivery.Event.UNSUBSCRIBED,
    }
    assert out.getvalue().splitlines() == [
        f"bounce server (SMTP) for bounce.example.ne.jp on 127.0.0.1:{port}",
        "bounce server stopped",
    ]
    with pytest.raises(ConnectionRefusedError):
        smtplib.SMTP("127.0.0.1", port, timeout=2)


@pytest.fixture
def server():
    """Start servers in this process's threads; stopped after the test."""
    controllers = []

    def start(**options):
        port = free_port()
        controllers.append(bounce_server.start_server("127.0.0.1", port, **options))
        return port

    yield start
    for controller in controllers:
        controller.stop()


def test_s4_over_lmtp_each_recipient_gets_its_own_reply_and_a_database_error_answers_451(
    people, server, monkeypatch
):
    """LMTP (what Postfix's lmtp transport speaks): one reply per recipient after DATA. A
    database error answers 451 for that recipient; the relay's retry is then recorded."""
    _, hanako, bounced, unsubscribed = people
    port = server(lmtp=True)

    def down(token):
        raise OperationalError("the database is restarting")

    monkeypatch.setattr(bounce_server, "unsubscribe_by_token", down)
    with connect(port, smtplib.LMTP) as lmtp:
        assert lmtp.ehlo()[0] == 250  # LHLO
        assert lmtp.mail("")[0] == 250
        assert lmtp.rcpt(verp(bounced))[0] == 250
        assert lmtp.rcpt(unsubscribe_address(unsubscribed))[0] == 250
        first = lmtp.data(wire(DSN, verp(bounced)))
        second = lmtp.getreply()
    assert first[0] == 250
    assert second[0] == 451
    assert Bounce.objects.get().delivery_id == bounced.pk
    hanako.refresh_from_db()
    assert hanako.outage_stopped_at is None

    monkeypatch.undo()
    with connect(port, smtplib.LMTP) as lmtp:
        assert (
            lmtp.sendmail("", [unsubscribe_address(unsubscribed)], b"Subject: x\r\n\r\nx\r\n") == {}
        )
    hanako.refresh_from_db()
    assert hanako.outage_stopped_at is not None


def test_s4_over_smtp_a_database_error_answers_451_and_a_message_too_large_552(
    people, server, monkeypatch
):
    taro, _, bounced, _ = people
    port = server()
    small = server(max_size=2048)
    raw = wire(DSN, verp(bounced))
    assert len(raw) > 2048

    def down(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(bounce_server, "process_report", down)
    with connect(port) as smtp, pytest.raises(smtplib.SMTPDataError) as error:
        smtp.sendmail("", [verp(bounced)], raw)
    assert error.value.smtp_code == 451
    assert not Bounce.objects.exists()

    monkeypatch.undo()
    with connect(small) as smtp, pytest.raises(smtplib.SMTPSenderRefused) as error:
        smtp.sendmail("", [verp(bounced)], raw)
    assert error.value.smtp_code == 552
    assert not Bounce.objects.exists()

    # The relay tries again: recorded once, however often it is handed over.
    with connect(port) as smtp:
        assert smtp.sendmail("", [verp(bounced)], raw) == {}
        assert smtp.sendmail("", [verp(bounced)], raw) == {}
    assert Bounce.objects.get().delivery_id == bounced.pk
    taro.refresh_from_db()
    assert taro.status == Destination.Status.ACTIVE


def test_s4_a_feedback_loop_report_to_the_bare_bounce_address_is_matched_by_its_return_path(
    people, server
):
    taro, _, bounced, _ = people
    port = server()
    with connect(port) as smtp:
        smtp.sendmail("", [FEEDBACK_ADDRESS], wire("arf_complaint.eml", verp(bounced)))
    assert Bounce.objects.get().kind == Bounce.Kind.COMPLAINT
    taro.refresh_from_db()
    assert (taro.status, taro.suspension_reason) == ("suspended", "complaint")
