"""X4, X2, X3: the outbox — every mail is a row, claimed, sent once over reused connections.

Mails go over SMTP to a real local server (aiosmtpd) that records each message, the
connection it came on, and can refuse recipients with a temporary or permanent reply.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from madoguchi.outbox import services
from madoguchi.outbox.models import Mail
from madoguchi.outbox.services import claim_batch, deliver_due, enqueue_mail, reconcile_outbox
from madoguchi.testing.concurrency import run_together
from madoguchi.testing.smtp import free_port

CONTEXT = {
    "application": {
        "number": "A00000042",
        "kind_label": "メールアカウント追加",
        "submitted_at": "2024/01/11(木) 09:05",
        "not_before": "2024/01/11(木) 09:15",
        "rows": [["メールアカウント", "—", "hanako"]],
        "before": {},
        "after": {},
    },
    "contract": {"name": "窓口テスト商事株式会社", "customer_number": "N230110835"},
}


def queue(*addresses: str) -> list[Mail]:
    """Queue one acceptance mail per address in a committed transaction (no wake-up runs:
    the tests decide when a worker delivers)."""
    with transaction.atomic():
        return [
            enqueue_mail(
                to=address, template="application_mailbox", context=CONTEXT, reference="A00000042"
            )
            for address in addresses
        ]


@pytest.fixture
def quiet_wakeups(settings):
    """Tasks go to the database queue: nothing is delivered unless a test calls deliver."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quiet_wakeups")]


def test_x4_one_row_per_recipient_with_its_own_message_id():
    first, second = queue("a@example.com", "b@example.com")
    assert (first.to, second.to) == ("a@example.com", "b@example.com")
    assert first.message_id != second.message_id
    assert first.message_id.startswith("<") and first.message_id.endswith("@example.ne.jp>")
    assert first.status == Mail.Status.PENDING and first.attempts == 0
    # The subject is rendered when queued, for operators (the body when sent).
    assert (
        first.subject == "【madoguchi】メールアカウント追加のお申込みを受け付けました（A00000042）"
    )


def test_x4_sent_over_smtp_with_the_rows_message_id_and_reply(smtp_server):
    (mail,) = queue("a@example.com")
    assert deliver_due() == 1
    (received,) = smtp_server.received
    assert received.rcpt_to == ["a@example.com"]
    assert received.message["Message-ID"] == mail.message_id
    assert "hanako" in received.text
    mail.refresh_from_db()
    assert mail.status == Mail.Status.SENT
    assert mail.sent_at is not None and mail.attempts == 1
    assert mail.last_reply == "250 2.0.0 Ok: queued"


def test_x4_a_batch_goes_over_one_smtp_connection(smtp_server):
    queue(*(f"user{n}@example.com" for n in range(5)))
    assert deliver_due() == 5
    assert len(smtp_server.received) == 5
    assert len({mail.peer for mail in smtp_server.received}) == 1  # one connection


def test_x2_a_second_wakeup_sends_nothing_more(smtp_server):
    queue("a@example.com")
    deliver_due()
    deliver_due()
    assert len(smtp_server.received) == 1


@pytest.mark.django_db(transaction=True)
def test_x2_two_workers_at_once_send_each_mail_once(smtp_server):
    """Two workers woken at the same moment claim disjoint rows (a conditional update)."""
    mails = queue(*(f"user{n}@example.com" for n in range(30)))
    sent = run_together(deliver_due, deliver_due)
    assert all(isinstance(count, int) for count in sent), sent
    assert sum(sent) == 30
    ids = [mail.message["Message-ID"] for mail in smtp_server.received]
    assert sorted(ids) == sorted(mail.message_id for mail in mails)  # each once
    assert set(Mail.objects.values_list("status", flat=True)) == {Mail.Status.SENT}


def test_x3_a_claim_keeps_other_workers_off_until_it_expires(smtp_server, time_machine):
    """A worker took the batch and died before sending: nobody else sends it while the claim
    is valid; afterwards it goes out — with the same Message-ID (never lost, rarely twice)."""
    (mail,) = queue("a@example.com")
    _claim, claimed = claim_batch()
    assert [row.pk for row in claimed] == [mail.pk]  # …and the worker dies here
    assert deliver_due() == 0
    assert smtp_server.received == []
    time_machine.move_to(timezone.now() + timedelta(seconds=services.CLAIM_SECONDS + 1))
    assert deliver_due() == 1
    assert smtp_server.received[0].message["Message-ID"] == mail.message_id
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (Mail.Status.SENT, 2)


def test_x3_a_worker_that_outlived_its_claim_records_nothing(smtp_server, time_machine):
    """Its claim ran out and another worker sent the mail: the late worker's result must
    not overwrite the row (a conditional update on the claim)."""
    (mail,) = queue("a@example.com")
    late_claim, late_rows = claim_batch()
    time_machine.move_to(timezone.now() + timedelta(seconds=services.CLAIM_SECONDS + 1))
    assert deliver_due() == 1  # another worker sends it
    services.send_batch(late_claim, late_rows)  # the late worker comes back
    mail.refresh_from_db()
    assert mail.status == Mail.Status.SENT
    assert len(smtp_server.received) == 2  # it did send (at least once), but…
    assert mail.attempts == 2  # …the row kept the other worker's result


def test_x3_temporary_refusal_is_retried_later_with_the_reply_kept(smtp_server, time_machine):
    smtp_server.handler.refuse["busy@example.com"] = "451 4.2.1 Mailbox busy, try later"
    (mail,) = queue("busy@example.com")
    assert deliver_due() == 0
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (Mail.Status.PENDING, 1)
    assert mail.last_reply == "451 4.2.1 Mailbox busy, try later"
    assert mail.not_before > timezone.now()  # backed off
    assert deliver_due() == 0  # not due yet: no attempt
    mail.refresh_from_db()
    assert mail.attempts == 1

    del smtp_server.handler.refuse["busy@example.com"]
    time_machine.move_to(timezone.now() + timedelta(minutes=2))
    assert deliver_due() == 1
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (Mail.Status.SENT, 2)


def test_x3_permanent_refusal_fails_the_mail_at_once(smtp_server):
    smtp_server.handler.refuse["gone@example.com"] = "550 5.1.1 No such user"
    gone, fine = queue("gone@example.com", "fine@example.com")
    assert deliver_due() == 1
    gone.refresh_from_db()
    assert (gone.status, gone.last_reply) == (Mail.Status.FAILED, "550 5.1.1 No such user")
    fine.refresh_from_db()
    assert fine.status == Mail.Status.SENT  # the connection went on after the refusal
    assert [mail.rcpt_to for mail in smtp_server.received] == [["fine@example.com"]]


def test_x3_a_message_refused_after_data_fails_and_the_next_is_sent(smtp_server):
    smtp_server.handler.refuse_data["spam@example.com"] = "554 5.6.0 Message content rejected"
    refused, fine = queue("spam@example.com", "fine@example.com")
    assert deliver_due() == 1
    refused.refresh_from_db()
    assert (refused.status, refused.last_reply) == (
        Mail.Status.FAILED,
        "554 5.6.0 Message content rejected",
    )
    fine.refresh_from_db()
    assert fine.status == Mail.Status.SENT


def test_x3_a_refusal_smtplib_raises_is_recorded_like_one_it_returns(smtp_server, monkeypatch):
    """smtplib raises SMTPDataError when DATA itself is refused (no 354)."""
    import smtplib

    def refuse_data(self, message):
        raise smtplib.SMTPDataError(451, b"4.3.0 Try again later")

    monkeypatch.setattr(smtplib.SMTP, "data", refuse_data)
    (mail,) = queue("a@example.com")
    assert deliver_due() == 0
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (Mail.Status.PENDING, 1)
    assert mail.last_reply == "451 4.3.0 Try again later"


def test_x3_mails_wait_while_the_relay_is_down_and_fail_after_max_attempts(settings, time_machine):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = free_port()  # nothing listens
    settings.OUTBOX_MAX_ATTEMPTS = 3
    (mail,) = queue("a@example.com")
    for attempt in (1, 2):
        assert deliver_due() == 0
        mail.refresh_from_db()
        assert (mail.status, mail.attempts) == (Mail.Status.PENDING, attempt)
        assert mail.last_reply.startswith("relay unavailable")
        time_machine.move_to(timezone.now() + timedelta(hours=1))
    assert deliver_due() == 0
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (Mail.Status.FAILED, 3)


def test_x3_retry_delay_grows_to_an_hour():
    assert [services.retry_delay(n).total_seconds() for n in (1, 2, 3, 7, 8, 20)] == [
        60,
        120,
        240,
        3600,
        3600,
        3600,
    ]


def test_x3_reconcile_wakes_a_worker_only_for_overdue_mail(settings):
    from django_tasks_db.models import DBTaskResult

    settings.APPLICATION_STALE_SECONDS = 60
    (mail,) = queue("a@example.com")
    DBTaskResult.objects.all().delete()  # the commit's own wake-up
    assert reconcile_outbox() == 0  # just queued: its wake-up is on its way
    Mail.objects.filter(pk=mail.pk).update(not_before=timezone.now() - timedelta(minutes=2))
    assert reconcile_outbox() == 1
    assert [task.task_path for task in DBTaskResult.objects.all()] == [
        "madoguchi.outbox.tasks.deliver_mail"
    ]
    Mail.objects.filter(pk=mail.pk).update(status=Mail.Status.SENT)
    assert reconcile_outbox() == 0


@pytest.mark.django_db(transaction=True)
def test_x4_queueing_wakes_a_worker_when_the_transaction_commits(settings):
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        enqueue_mail(to="a@example.com", template="application_mailbox", context=CONTEXT)
        assert not DBTaskResult.objects.exists()  # not before the commit
    assert DBTaskResult.objects.filter(task_path="madoguchi.outbox.tasks.deliver_mail").exists()


def test_x4_a_mail_that_cannot_be_rendered_fails_instead_of_retrying_for_ever(smtp_server):
    with transaction.atomic():
        broken = enqueue_mail(to="a@example.com", template="application_mailbox", context={})
    Mail.objects.filter(pk=broken.pk).update(template="no_such_template")
    (fine,) = queue("b@example.com")
    assert deliver_due() == 1
    broken.refresh_from_db()
    assert (broken.status, broken.last_reply) == (Mail.Status.FAILED, "rendering failed")
    fine.refresh_from_db()
    assert fine.status == Mail.Status.SENT


def queue_reset_link(address: str) -> Mail:
    with transaction.atomic():
        return enqueue_mail(
            to=address,
            template="supportid_password_reset",
            context={
                "name": "窓口 花子",
                "link": "https://support.example.ne.jp/support/password/reset/SEL.VERIFIER/",
                "expires": "2026/12/03(木) 11:00",
                "minutes": 60,
            },
            secret=("link",),
        )


def test_s2_a_mailed_links_token_leaves_the_outbox_once_sent(smtp_server):
    """S2: tokens are stored only hashed: the outbox keeps a link's token until it is sent."""
    mail = queue_reset_link("a@example.com")
    assert deliver_due() == 1
    assert "SEL.VERIFIER" in smtp_server.received[0].text
    mail.refresh_from_db()
    assert "SEL.VERIFIER" not in str(mail.context)
    assert mail.context["link"] == services.REMOVED and mail.context["name"] == "窓口 花子"


def test_s2_a_failed_links_token_leaves_the_outbox_and_retries_keep_it(smtp_server):
    smtp_server.handler.refuse["gone@example.com"] = "550 5.1.1 No such user"
    gone = queue_reset_link("gone@example.com")
    deliver_due()
    gone.refresh_from_db()
    assert gone.status == Mail.Status.FAILED and "SEL.VERIFIER" not in str(gone.context)
    # A temporary refusal keeps the link for the retry.
    smtp_server.handler.refuse["busy@example.com"] = "451 4.3.0 Try again later"
    busy = queue_reset_link("busy@example.com")
    deliver_due()
    busy.refresh_from_db()
    assert busy.status == Mail.Status.PENDING and "SEL.VERIFIER" in str(busy.context)


def test_s2_operators_never_see_a_mailed_links_token(smtp_server):
    from madoguchi.outbox.admin import MailAdmin

    mail = queue_reset_link("a@example.com")
    body = MailAdmin.body(None, mail)
    assert "SEL.VERIFIER" not in body and services.HIDDEN in body
