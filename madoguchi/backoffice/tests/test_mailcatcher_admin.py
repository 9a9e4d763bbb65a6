"""Caught mails (local SMTP catcher): readable by operators, decoded, never raw bytes."""

import time
from email.message import EmailMessage as MailMessage

import pytest
from django.core.mail import EmailMessage, get_connection
from django.test import Client

from madoguchi.backoffice.tests.conftest import url
from madoguchi.contracts.tests.pages import page_text
from madoguchi.mailcatcher.models import CaughtMail
from madoguchi.mailcatcher.services import start_catcher, store_mail
from madoguchi.testing.smtp import free_port

SUBJECT = "【madoguchi】認証パスワード変更のお申込みを受け付けました"
BODY = (
    "窓口テスト商事株式会社 ご担当者様\n\n"
    "認証パスワードの変更を受け付けました。\n"
    "お申込み番号：A00000001\n"
)


def japanese_mail() -> bytes:
    """A mail as mailers send it: Japanese subject MIME-encoded, body in base64."""
    message = MailMessage()
    message["Subject"] = SUBJECT
    message["From"] = "madoguchi <support@example.ne.jp>"
    message["To"] = "contact@example.com"
    message["Reply-To"] = "support@example.ne.jp"
    message.set_content(BODY, charset="utf-8", cte="base64")
    return message.as_bytes()


@pytest.mark.django_db
def test_x4_caught_mail_list_and_detail_show_the_decoded_japanese_mail(
    operator_client, django_assert_max_num_queries
):
    raw = japanese_mail()
    assert BODY.encode() not in raw and SUBJECT.encode() not in raw  # encoded on the wire
    mail = store_mail(mail_from="support@example.ne.jp", rcpt_to=["contact@example.com"], raw=raw)
    for _ in range(10):
        store_mail(mail_from="support@example.ne.jp", rcpt_to=["x@example.com"], raw=raw)
    with django_assert_max_num_queries(13):
        response = operator_client.get(url("mailcatcher_caughtmail_changelist"))
    assert response.status_code == 200
    text = page_text(response)
    assert SUBJECT in text and "contact@example.com" in text and "support@example.ne.jp" in text

    with django_assert_max_num_queries(11):
        detail = operator_client.get(url("mailcatcher_caughtmail_change", mail.pk))
    assert detail.status_code == 200
    html = detail.content.decode()
    text = page_text(detail)
    assert SUBJECT in text
    assert "窓口テスト商事株式会社 ご担当者様" in text
    assert "お申込み番号：A00000001" in text
    assert f"<pre>{BODY}</pre>" in html  # line breaks kept
    assert "Content-Transfer-Encoding" not in html and "=?utf-8?" not in html


@pytest.mark.django_db
def test_x4_x5_caught_mail_body_is_escaped(operator_client):
    raw = EmailMessage("件名", "<script>alert(1)</script>", to=["a@example.com"]).message()
    mail = store_mail(mail_from="a@example.com", rcpt_to=["a@example.com"], raw=raw.as_bytes())
    html = operator_client.get(url("mailcatcher_caughtmail_change", mail.pk)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.django_db(transaction=True)
def test_x4_mail_sent_over_smtp_to_the_catcher_is_read_in_the_back_office(operator_client):
    """The path of `make run`: Django → SMTP → catcher → 受信メール in the back office."""
    port = free_port()
    controller = start_catcher("127.0.0.1", port)
    try:
        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=port
        )
        message = EmailMessage(SUBJECT, BODY, "support@example.ne.jp", ["contact@example.com"])
        message.connection = connection
        message.send()
        deadline = time.monotonic() + 10
        while not CaughtMail.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        controller.stop()
    mail = CaughtMail.objects.get()
    detail = operator_client.get(url("mailcatcher_caughtmail_change", mail.pk))
    assert SUBJECT in page_text(detail)
    assert "認証パスワードの変更を受け付けました。" in page_text(detail)


@pytest.mark.django_db
def test_x4_caught_mails_are_read_only_and_for_operators_only(operator_client, customer):
    mail = store_mail(mail_from="a@example.com", rcpt_to=["b@example.com"], raw=japanese_mail())
    assert operator_client.get(url("mailcatcher_caughtmail_add")).status_code == 403
    delete = url("mailcatcher_caughtmail_delete", mail.pk)
    assert operator_client.post(delete, {"post": "yes"}).status_code == 403
    desk = Client()
    desk.force_login(customer)
    response = desk.get(url("mailcatcher_caughtmail_change", mail.pk))
    assert response.status_code == 302 and response["Location"].startswith(url("login"))
    assert CaughtMail.objects.filter(pk=mail.pk).exists()
