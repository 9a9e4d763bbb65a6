"""X4 / D3.5: the acceptance mail to the contact address, over real SMTP (aiosmtpd)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from madoguchi.applications.models import Application
from madoguchi.applications.services import reconcile_applications
from madoguchi.testing.smtp import free_port
from madoguchi.testing.workers import submit_password_change

NEW = "Abc-1234"

pytestmark = pytest.mark.django_db


@pytest.fixture
def change(customer_client, password, django_capture_on_commit_callbacks):
    """Change the network password through the desk; the work runs on commit."""

    def change():
        with django_capture_on_commit_callbacks(execute=True):
            submit_password_change(customer_client, current=password, new=NEW)
        return Application.objects.get()

    return change


def test_x4_d3_5_contact_mail_over_smtp(change, customer, password, smtp_server, settings):
    """One mail to the contract's contact address: Japanese subject with the application
    number, body with 認証ID and no password; sender and reply-to from settings."""
    settings.DEFAULT_FROM_EMAIL = "窓口テスト <desk-test@isp.example>"
    settings.EMAIL_REPLY_TO = ["help-test@isp.example"]

    application = change()

    assert len(smtp_server.received) == 1
    mail = smtp_server.received[0]
    assert mail.rcpt_to == [customer.contract.contact_email]
    assert mail.mail_from == "desk-test@isp.example"
    message = mail.message
    assert message["To"] == customer.contract.contact_email
    assert message["From"] == "窓口テスト <desk-test@isp.example>"
    assert message["Reply-To"] == "help-test@isp.example"
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
    html = message.get_body(preferencelist=("html",)).get_content()
    assert application.number in html and customer.username in html
    for body in (text, html, mail.raw.decode("ascii", "replace")):
        assert NEW not in body
        assert password not in body
    application.refresh_from_db()
    assert application.mail_sent_at is not None


def test_x4_mail_not_sent_twice_when_the_task_runs_again(change, smtp_server):
    """X2/X4: a second wake-up for the same mail (reconcile, a retried task) sends nothing."""
    from madoguchi.applications.tasks import send_application_mail

    application = change()
    send_application_mail.call(application_id=application.pk)
    assert len(smtp_server.received) == 1


def test_x4_mail_sent_when_the_relay_is_back(change, smtp_server, settings):
    """X3/X4: the relay refuses at change time; reconcile later sends the mail, once."""
    relay_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there

    application = change()

    application.refresh_from_db()
    assert application.status == Application.Status.DONE  # publishing did not wait for mail
    assert application.mail_sent_at is None
    assert smtp_server.received == []

    settings.EMAIL_PORT = relay_port
    settings.APPLICATION_STALE_SECONDS = 60
    assert reconcile_applications() == 0  # too fresh: its own retry may still be on the way
    Application.objects.filter(pk=application.pk).update(
        submitted_at=timezone.now() - timedelta(minutes=2)
    )
    assert reconcile_applications() == 1
    assert len(smtp_server.received) == 1
    assert reconcile_applications() == 0
    assert len(smtp_server.received) == 1
