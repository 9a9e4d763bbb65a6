"""X4 / D3.5: an application's mails go through the outbox to a real SMTP server."""

import html
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from madoguchi.applications.models import Application
from madoguchi.delivery.tokens import MAIL, bounce_address
from madoguchi.outbox.models import Mail
from madoguchi.outbox.services import deliver_due, reconcile_outbox
from madoguchi.testing.smtp import free_port
from madoguchi.testing.workers import submit_password_change

NEW = "Abc-1234"
NO_REPLY = "このメールは送信専用アドレスからお送りしています。"

pytestmark = pytest.mark.django_db


@pytest.fixture
def change(customer_client, password, django_capture_on_commit_callbacks):
    """Change the network password through the desk; the work runs on commit."""

    def change():
        with django_capture_on_commit_callbacks(execute=True):
            submit_password_change(customer_client, current=password, new=NEW)
        return Application.objects.get()

    return change


def visible_text(html_part: str) -> list[str]:
    """The lines a reader of the HTML part sees."""
    body = re.sub(r"<br>", "\n", html_part.split("<body", 1)[1])
    body = html.unescape(re.sub(r"<[^>]+>", "\n", body.split(">", 1)[1]))
    return [line.strip() for line in body.splitlines() if line.strip()]


def test_x4_d3_5_contact_mail_over_smtp(change, customer, password, smtp_server, settings):
    """One mail to the contract's contact address: Japanese subject with the application
    number, body with 認証ID and no password; the sender from settings, no Reply-To (the
    mail says it comes from an address that takes no replies: defect 8); the envelope
    sender is the mail's signed VERP address (S4: its bounces are recorded)."""
    settings.DEFAULT_FROM_EMAIL = "窓口テスト <desk-test@isp.example>"

    application = change()

    assert len(smtp_server.received) == 1
    mail = smtp_server.received[0]
    assert mail.rcpt_to == [customer.contract.contact_email]
    row = Mail.objects.get()
    assert mail.mail_from == bounce_address(MAIL, row.pk)
    message = mail.message
    assert message["To"] == customer.contract.contact_email
    assert message["From"] == "窓口テスト <desk-test@isp.example>"
    assert message["Reply-To"] is None
    # Python folds the long encoded subject onto a continuation line; readers drop the
    # folding white space before the first encoded word.
    assert mail.subject.lstrip() == (
        f"【madoguchi】認証パスワード変更のお申込みを受け付けました（{application.number}）"
    )
    text = mail.text
    assert f"{customer.contract.name} 様" in text
    assert f"お申込み番号：{application.number}" in text
    assert f"お客様番号　：{customer.contract.customer_number}" in text
    assert f"認証ID　　　：{customer.username}" in text
    assert "最大5分程度" in text
    assert NO_REPLY in text
    html_part = message.get_body(preferencelist=("html",)).get_content()
    for body in (text, html_part, mail.raw.decode("ascii", "replace")):
        assert NEW not in body
        assert password not in body
    # The outbox row: sent, its Message-ID is the one the mail carried, the reply kept.
    row = Mail.objects.get(reference=application.number)
    assert row.status == Mail.Status.SENT
    assert message["Message-ID"] == row.message_id
    assert row.last_reply.startswith("250")


def test_x4_reply_to_when_configured_and_then_no_no_reply_line(change, smtp_server, settings):
    """X4: reply-to is a setting; a mail with a Reply-To never claims to take no replies."""
    settings.EMAIL_REPLY_TO = ["help-test@isp.example"]
    change()
    message = smtp_server.received[0].message
    assert message["Reply-To"] == "help-test@isp.example"
    assert NO_REPLY not in smtp_server.received[0].text


def test_x4_html_part_says_what_the_text_part_says(change, smtp_server):
    """Defect 8: the two parts are one text, so no line is left out of either."""
    change()
    message = smtp_server.received[0].message
    text = message.get_body(preferencelist=("plain",)).get_content()
    html_part = message.get_body(preferencelist=("html",)).get_content()
    text_lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert visible_text(html_part) == text_lines


def test_x4_mail_not_sent_twice_when_the_worker_is_woken_again(change, smtp_server):
    """X2/X4: a second wake-up (reconcile, a retried task) sends nothing more."""
    change()
    assert deliver_due() == 0
    assert len(smtp_server.received) == 1


def test_x4_mail_sent_when_the_relay_is_back(change, smtp_server, settings, time_machine):
    """X3/X4: the relay is down at change time; the mail waits in the outbox (the change
    did not wait for it) and goes out, once, when a worker is woken after the relay is back."""
    relay_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there

    application = change()

    application.refresh_from_db()
    assert application.status == Application.Status.DONE  # publishing did not wait for mail
    row = Mail.objects.get()
    assert (row.status, row.attempts) == (Mail.Status.PENDING, 1)
    assert row.last_reply.startswith("relay unavailable")
    assert smtp_server.received == []

    settings.EMAIL_PORT = relay_port
    settings.APPLICATION_STALE_SECONDS = 60
    assert reconcile_outbox() == 0  # its retry time has not come yet
    time_machine.move_to(timezone.now() + timedelta(minutes=3))
    assert reconcile_outbox() == 1
    assert len(smtp_server.received) == 1
    assert smtp_server.received[0].message["Message-ID"] == row.message_id
    assert reconcile_outbox() == 0
    assert len(smtp_server.received) == 1
