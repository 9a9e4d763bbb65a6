"""S4: a publication marked 「メール配信する」 mails every selected destination exactly once,
over pipelined SMTP, with the list headers, a stable Message-ID and a VERP bounce address;
refusals, a relay that is down, and destinations gone or stopped meanwhile."""

import quopri
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from madoguchi.alerts.models import Destination
from madoguchi.alerts.services import stop_kind
from madoguchi.delivery import tokens
from madoguchi.delivery.models import Delivery, Mailing, Progress
from madoguchi.delivery.services import (
    SKIP_CANCELLED,
    SKIP_GONE,
    SKIP_STOPPED,
    pause_mailing,
    reconcile_mailings,
    resume_mailing,
    send_deliveries,
    start_mailing,
)
from madoguchi.delivery.tests import fanout
from madoguchi.notices.models import Notice, Publication
from madoguchi.notices.services import add_update, publish_reminders, save_notice
from madoguchi.testing.smtp import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def held_tasks(settings):
    """Tasks are recorded, not run: each test runs the senders itself, step by step."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def relay(settings, smtp_server):
    fanout.relay_to(settings, smtp_server)
    settings.DELIVERY_BATCH_SIZE = 4
    settings.DELIVERY_CONNECTIONS = 2
    return smtp_server


def published(product, **kwargs):
    """A maintenance notice published with mail, its mailing selected (not yet sent)."""
    publication = fanout.publish(fanout.notice([product], **kwargs))
    mailing = start_mailing(publication.pk)
    return publication, mailing


def rows(publication):
    return list(Delivery.objects.filter(publication=publication).order_by("pk"))


def test_s4_every_selected_destination_gets_one_mail_with_list_headers(relay, settings):
    product = fanout.product()
    destinations = fanout.subscribers(product, 10)
    publication, mailing = published(product)
    assert mailing.state == Mailing.State.SENDING and mailing.selected == 10

    assert send_deliveries(publication.pk) == 10
    assert send_deliveries(publication.pk) == 0  # nothing left: a second sender adds none

    assert sorted(m.rcpt_to[0] for m in relay.received) == sorted(d.address for d in destinations)
    assert {row.status for row in rows(publication)} == {Delivery.Status.SENT}
    mailing.refresh_from_db()
    assert mailing.state == Mailing.State.FINISHED and mailing.finished_at
    assert sum(p.sent for p in Progress.objects.filter(mailing=mailing)) == 10

    received = {m.rcpt_to[0]: m for m in relay.received}
    by_destination = {row.destination_id: row for row in rows(publication)}
    for destination in destinations:
        mail = received[destination.address]
        row = by_destination[destination.pk]
        message = mail.message
        assert message["To"] == destination.address
        assert message["Subject"] == "【工事】ファンアウト試験の工事"
        assert (
            message["Message-ID"]
            == f"<alert.{publication.pk}.{row.pk}@{settings.DELIVERY_LIST_DOMAIN}>"
        )
        assert message["List-Id"] == f"工事情報メール <maintenance.{settings.DELIVERY_LIST_DOMAIN}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        https, mailto = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
        token = https.rstrip("/").rsplit("/", 1)[1]
        assert https == f"{settings.PUBLIC_BASE_URL}/support/unsubscribe/{token}/"
        assert tokens.read(tokens.UNSUBSCRIBE, token) == tokens.Target("d", row.pk)
        assert mailto == f"mailto:{tokens.unsubscribe_mailto(row.pk)}"
        # VERP: the envelope sender names this delivery, signed.
        assert tokens.read_address(mail.mail_from) == (tokens.BOUNCE, tokens.Target("d", row.pk))
        text = mail.text
        assert "光回線の設備工事を行います。" in text
        assert "\n.先頭がドットの行" in text  # a leading dot survives SMTP's dot-stuffing
        assert https in text  # the visible link, whole although soft-broken on the wire
        assert f"/support/notices/{publication.notice_id}/" in text
        assert "工事情報メールの配信停止" in text
        # The relay offers 8BITMIME: the text goes as written.
        assert b"Content-Transfer-Encoding: 8bit" in mail.raw
        assert mail.raw.count(b"\r\n") == mail.raw.count(b"\n")  # CRLF throughout


def test_s4_a_relay_without_8bitmime_gets_valid_quoted_printable(relay):
    """The link line is soft-broken as quoted-printable requires; the text decodes whole."""
    relay.handler.eightbitmime = False
    product = fanout.product()
    fanout.subscribers(product, 1)
    publication, _ = published(product)
    send_deliveries(publication.pk)
    (mail,) = relay.received
    body = mail.raw.split(b"\r\n\r\n", 1)[1]
    assert [line for line in body.split(b"\r\n") if len(line) > 76] == []
    assert b"Content-Transfer-Encoding: quoted-printable" in mail.raw
    assert quopri.decodestring(body).decode("utf-8")  # decodes as UTF-8 throughout
    assert "光回線の設備工事を行います。" in mail.text
    assert mail.message["List-Unsubscribe"].split(">")[0][1:] in mail.text


def test_s4_a_rerun_of_the_start_selects_none_twice_and_a_publication_without_mail_none(relay):
    product = fanout.product()
    fanout.subscribers(product, 3)
    publication, _ = published(product)
    start_mailing(publication.pk)
    assert Delivery.objects.filter(publication=publication).count() == 3
    quiet = fanout.publish(fanout.notice([product], title="配信しない工事"), send_mail=False)
    assert start_mailing(quiet.pk) is None
    assert not Delivery.objects.filter(publication=quiet).exists()


def test_s4_refusals_fail_permanently_or_wait_for_a_retry(relay, settings):
    product = fanout.product()
    ok, gone, busy = fanout.subscribers(product, 3)
    relay.handler.refuse[gone.address] = "550 5.1.1 <x>: Recipient address rejected: User unknown"
    relay.handler.refuse[busy.address] = "451 4.3.0 Try again later"
    publication, mailing = published(product)

    assert send_deliveries(publication.pk) == 1
    state = {row.destination_id: row for row in rows(publication)}
    assert state[ok.pk].status == Delivery.Status.SENT
    assert state[gone.pk].status == Delivery.Status.FAILED
    assert state[gone.pk].reply.startswith("550 5.1.1")
    assert state[busy.pk].status == Delivery.Status.PENDING
    assert state[busy.pk].reply.startswith("451 4.3.0")
    assert state[busy.pk].lease_until > timezone.now()  # waits for its retry time
    mailing.refresh_from_db()
    assert mailing.state == Mailing.State.SENDING

    # Its retry time comes; the relay accepts it now; reconcile wakes a sender.
    del relay.handler.refuse[busy.address]
    Delivery.objects.filter(pk=state[busy.pk].pk).update(lease_until=timezone.now())
    assert reconcile_mailings() == 1  # wakes the senders (run here by hand)
    send_deliveries(publication.pk)
    busy_row = Delivery.objects.get(pk=state[busy.pk].pk)
    assert busy_row.status == Delivery.Status.SENT and busy_row.attempts == 2
    mailing.refresh_from_db()
    assert mailing.state == Mailing.State.FINISHED
    assert [m.rcpt_to[0] for m in relay.received].count(busy.address) == 1


def test_s4_a_recipient_refused_for_now_too_often_fails(relay, settings):
    settings.DELIVERY_MAX_ATTEMPTS = 2
    product = fanout.product()
    (busy,) = fanout.subscribers(product, 1)
    relay.handler.refuse[busy.address] = "452 4.2.2 Mailbox full"
    publication, _ = published(product)
    send_deliveries(publication.pk)
    Delivery.objects.filter(publication=publication).update(lease_until=timezone.now())
    send_deliveries(publication.pk)
    (row,) = rows(publication)
    assert row.status == Delivery.Status.FAILED and row.attempts == 2
    assert row.reply.startswith("452 4.2.2")


def test_s4_relay_down_rows_wait_uncounted_and_none_is_lost(settings, smtp_server):
    """Connection refused: nothing fails, no attempt counts; once the relay is back, all go."""
    settings.DELIVERY_SMTP_HOST = "127.0.0.1"
    settings.DELIVERY_SMTP_PORT = free_port()  # nobody listens
    settings.DELIVERY_RELAY_PATIENCE_SECONDS = 3
    product = fanout.product()
    fanout.subscribers(product, 5)
    publication, _ = published(product)
    waits = []
    assert send_deliveries(publication.pk, wait=waits.append) == 0
    assert waits == [1, 2]  # backoff, then the rows are left to reconcile
    for row in rows(publication):
        assert row.status == Delivery.Status.PENDING and row.attempts == 0
    fanout.relay_to(settings, smtp_server)
    Delivery.objects.filter(publication=publication).update(lease_until=None)
    assert reconcile_mailings() == 1
    send_deliveries(publication.pk)
    assert {row.status for row in rows(publication)} == {Delivery.Status.SENT}
    assert len(smtp_server.received) == 5


def test_s4_a_relay_answering_421_keeps_the_batch_for_later(relay, settings):
    product = fanout.product()
    first, second, third = fanout.subscribers(product, 3)
    relay.handler.refuse[second.address] = "421 4.3.2 Service shutting down"
    publication, _ = published(product)
    send_deliveries(publication.pk, wait=lambda seconds: None)
    state = {row.destination_id: row for row in rows(publication)}
    assert state[first.pk].status == Delivery.Status.SENT
    assert state[second.pk].status == Delivery.Status.PENDING
    assert state[third.pk].status == Delivery.Status.PENDING
    assert state[second.pk].attempts == 0  # not counted against the recipient


def test_s4_a_destination_deleted_or_stopped_while_queued_is_skipped(relay):
    product = fanout.product()
    kept, deleted, unsubscribed, suspended = fanout.subscribers(product, 4)
    publication, mailing = published(product)
    deleted_pk = deleted.pk
    deleted.delete()
    stop_kind(unsubscribed.pk, "maintenance")
    Destination.objects.filter(pk=suspended.pk).update(
        status=Destination.Status.SUSPENDED, suspended_at=timezone.now()
    )
    assert send_deliveries(publication.pk) == 1
    assert [m.rcpt_to[0] for m in relay.received] == [kept.address]
    state = {row.destination_id: row for row in rows(publication)}
    assert state[deleted_pk].status == Delivery.Status.SKIPPED
    assert state[deleted_pk].reply == SKIP_GONE
    assert state[unsubscribed.pk].reply == SKIP_STOPPED
    assert state[suspended.pk].reply == SKIP_STOPPED
    assert sum(p.skipped for p in Progress.objects.filter(mailing=mailing)) == 3


def test_s4_an_edit_while_sending_changes_no_mail_already_published(relay):
    product = fanout.product()
    fanout.subscribers(product, 2)
    row = fanout.notice([product])
    publication = fanout.publish(row)
    start_mailing(publication.pk)
    row.title = "変更後の件名"
    outcome = save_notice(notice=row, products=[product], actor=None, ip=None)
    assert outcome.publication is None  # an edit not published again mails nothing
    send_deliveries(publication.pk)
    assert {m.subject for m in relay.received} == {"【工事】ファンアウト試験の工事"}


def test_s4_a_sent_row_keeps_its_message_id_on_a_retry(relay, settings):
    """A worker that dies after sending, before recording, leaves the lease: the row is sent
    again with the same Message-ID (no more than the mails in flight)."""
    product = fanout.product()
    fanout.subscribers(product, 1)
    publication, _ = published(product)
    send_deliveries(publication.pk)
    Delivery.objects.filter(publication=publication).update(
        status=Delivery.Status.PENDING, lease_until=timezone.now() - timedelta(seconds=1)
    )
    Mailing.objects.filter(pk=publication.pk).update(state=Mailing.State.SENDING)
    send_deliveries(publication.pk)
    first, second = relay.received
    assert first.message["Message-ID"] == second.message["Message-ID"]


def test_s4_pause_stops_senders_and_resume_sends_the_rest(relay, operator):
    product = fanout.product()
    fanout.subscribers(product, 6)
    publication, mailing = published(product)
    assert pause_mailing(mailing, actor=operator, ip="192.0.2.1")
    assert not pause_mailing(mailing, actor=operator, ip="192.0.2.1")  # already paused
    assert send_deliveries(publication.pk) == 0
    assert relay.received == []
    assert resume_mailing(mailing, actor=operator, ip="192.0.2.1")
    send_deliveries(publication.pk)
    assert len(relay.received) == 6
    assert not resume_mailing(mailing, actor=operator, ip="192.0.2.1")


def test_s4_outage_cycle_each_update_marked_for_mail_is_a_mailing(relay):
    product = fanout.product()
    fanout.subscribers(product, 1, outage=True)
    outage = fanout.notice([product], kind=Notice.Kind.OUTAGE, title="メール障害", hours=-1)
    occurred = fanout.publish(outage)
    add_update(
        notice=outage,
        at=timezone.now(),
        status="occurring",
        text="調査中です。",
        send_mail=False,
        actor=None,
        ip=None,
    )
    add_update(
        notice=outage,
        at=timezone.now(),
        status="recovered",
        text="復旧しました。",
        send_mail=True,
        actor=None,
        ip=None,
    )
    mailed = Publication.objects.filter(notice=outage, send_mail=True).order_by("pk")
    assert [p.pk for p in mailed][:1] == [occurred.pk] and mailed.count() == 2
    for publication in mailed:
        start_mailing(publication.pk)
        send_deliveries(publication.pk)
    assert [m.subject for m in relay.received] == ["【故障】メール障害"] * 2
    assert "復旧しました。" in relay.received[1].text


def test_s4_reminder_before_planned_work_once_per_version_and_not_after_cancel(relay, settings):
    settings.NOTICE_REMINDER_HOURS = 24
    product = fanout.product()
    fanout.subscribers(product, 2)
    soon = fanout.notice([product], title="明日の工事", hours=20)
    later = fanout.notice([product], title="来週の工事", hours=24 * 7)
    unmailed = fanout.notice([product], title="メール配信しない工事", hours=20)
    fanout.publish(soon)
    fanout.publish(later)
    fanout.publish(unmailed, send_mail=False)

    assert publish_reminders() == 1
    assert publish_reminders() == 0  # one per version of the window
    reminder = Publication.objects.get(event=Publication.Event.REMINDER)
    assert reminder.notice_id == soon.pk
    assert reminder.subject == "【工事・開始前のお知らせ】明日の工事"
    start_mailing(reminder.pk)

    # Cancelled before the reminder went out: its rows are skipped, nothing is mailed.
    add_update(
        notice=soon,
        at=timezone.now(),
        status="cancelled",
        text="工事を中止します。",
        send_mail=False,
        actor=None,
        ip=None,
    )
    assert send_deliveries(reminder.pk) == 0
    assert relay.received == []
    assert {row.reply for row in rows(reminder)} == {SKIP_CANCELLED}


def test_s4_senders_run_at_a_lower_cpu_priority_in_a_thread_of_their_own(settings, monkeypatch):
    """DELIVERY_NICENESS: the sending thread's niceness is raised; the worker's is not."""
    import os
    import threading

    from madoguchi.delivery import services

    settings.DELIVERY_NICENESS = 7
    seen = {}

    def sender(publication_id, *, wait):
        seen["thread"] = threading.get_native_id()
        seen["niceness"] = os.getpriority(os.PRIO_PROCESS, seen["thread"])
        return 42

    monkeypatch.setattr(services, "_send", sender)
    before = os.getpriority(os.PRIO_PROCESS, 0)
    assert services.send_deliveries(1) == 42
    assert seen["thread"] != threading.get_native_id()
    assert seen["niceness"] == min(before + 7, 19)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before

    def failing(publication_id, *, wait):
        raise RuntimeError("relay exploded")

    monkeypatch.setattr(services, "_send", failing)
    with pytest.raises(RuntimeError, match="relay exploded"):
        services.send_deliveries(1)
