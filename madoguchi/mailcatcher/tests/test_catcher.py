"""The local SMTP catcher of ``make run`` (issue 2, "two commands"): mails operators read."""

import smtplib
import socket
from email.message import EmailMessage

import pytest

from madoguchi.mailcatcher.models import CaughtMail
from madoguchi.mailcatcher.services import start_catcher
from madoguchi.testing.smtp import free_port
from madoguchi.testing.workers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

SUBJECT = "【madoguchi】認証パスワード変更のお申込みを受け付けました（A00000042）"
BODY = "テスト商事株式会社 様\n\n認証ID　　　：demo0001@biz.example.ne.jp\n"


def japanese_mail() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "madoguchi <support@example.ne.jp>"
    message["To"] = "contact@example.com"
    message["Subject"] = SUBJECT
    message.set_content(BODY)
    message.add_alternative("<p>テスト商事株式会社 様</p>", subtype="html")
    return message


def send(port: int) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(japanese_mail())


def assert_caught(mail: CaughtMail) -> None:
    assert mail.mail_from == "support@example.ne.jp"
    assert mail.rcpt_to == ["contact@example.com"]
    assert mail.subject == SUBJECT
    assert mail.text_body() == BODY
    assert str(mail) == SUBJECT


def test_catcher_stores_japanese_mail():
    """A mail sent over SMTP becomes a CaughtMail with its subject and text decoded."""
    port = free_port()
    controller = start_catcher("127.0.0.1", port)
    try:
        send(port)
        mail = wait_for(CaughtMail.objects.first, timeout=10)
    finally:
        controller.stop()
    assert_caught(mail)
    assert CaughtMail.objects.count() == 1


def test_catcher_keeps_mails_from_django(settings):
    """What the product sends (folded, encoded Japanese subject) reads back unchanged."""
    from django.core.mail import EmailMultiAlternatives

    port = free_port()
    controller = start_catcher("127.0.0.1", port)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = port
    try:
        message = EmailMultiAlternatives(SUBJECT, BODY, "support@example.ne.jp", ["a@example.com"])
        message.attach_alternative("<p>本文</p>", "text/html")
        message.send()
        mail = wait_for(CaughtMail.objects.first, timeout=10)
    finally:
        controller.stop()
    assert mail.subject == SUBJECT
    assert mail.text_body() == BODY


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.worker
def test_mailcatcher_command_runs_until_stopped(processes):
    """``manage.py mailcatcher`` (started by ``make run``) catches mail and stops on SIGTERM."""
    port = free_port()
    catcher = processes.command("mailcatcher", "--port", str(port))
    wait_for(lambda: listening(port), timeout=20)
    send(port)
    assert_caught(wait_for(CaughtMail.objects.first, timeout=10))
    assert catcher.stop() == 0, catcher.output()
    assert f"SMTP catcher listening on 127.0.0.1:{port}" in catcher.output()
