"""S4: bounces, complaints and auto-replies of the mails sent, read from real DSN samples.

Each report is found by its signed VERP envelope recipient (or, for a feedback loop's
report, the signed token in the returned mail's headers); hard and soft are told apart; a
destination is suspended after BOUNCE_HARD_LIMIT consecutive hard bounces, BOUNCE_SOFT_LIMIT
soft ones within BOUNCE_SOFT_DAYS, or one complaint, and the owner's other active
destinations get one notice with a 「配信再開」 link; the same report twice counts once; a
report for no mail the portal sent changes nothing.
"""

import logging
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from madoguchi.alerts.models import Destination
from madoguchi.delivery import tokens
from madoguchi.delivery.bounces import process_report
from madoguchi.delivery.models import Bounce, Delivery
from madoguchi.delivery.tests.bounce_data import (
    FEEDBACK_ADDRESS,
    owner,
    sample,
    sent,
    unsubscribe_address,
    verp,
)
from madoguchi.outbox.models import Mail
from madoguchi.outbox.services import deliver_due, enqueue_mail
from madoguchi.testing.concurrency import run_together

pytestmark = pytest.mark.django_db

SMTP = Bounce.Source.SMTP
NOTICE_SUBJECT = "【madoguchi】工事・故障情報メール 配信先の配信停止のお知らせ"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.BOUNCE_HARD_LIMIT = 3
    settings.BOUNCE_SOFT_LIMIT = 3
    settings.BOUNCE_SOFT_DAYS = 7
    settings.PUBLIC_BASE_URL = "https://support.example.ne.jp"


def feed(name: str, delivery: Delivery, **kwargs) -> list[Bounce]:
    """The sample as the relay hands it to the VERP address of the delivery's mail."""
    address = verp(delivery)
    return process_report(
        sample(name, address, **kwargs), envelope_recipients=[address], source=SMTP
    )


def state(destination) -> tuple[str, str]:
    destination.refresh_from_db()
    return destination.status, destination.suspension_reason


# --- Reading each kind of report --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "status", "recipient", "diagnostic"),
    [
        ("postfix_user_unknown.eml", "hard", "5.1.1", "taro@example.com", "550 5.1.1 <taro@"),
        ("exim_failed.eml", "hard", "5.1.1", "hanako@example.org", "550 5.1.1 <hanako@"),
        ("non_rfc_undelivered.eml", "hard", "5.1.1", "saburo@example.net", "550 5.1.1 User"),
        ("truncated_dsn.eml", "hard", "5.1.1", "taro@example.com", "said: 550 5.1.1"),
        ("mailbox_full_4.2.2.eml", "soft", "4.2.2", "taro@example.com", "452 4.2.2 <taro@"),
        ("over_quota_5.2.2.eml", "soft", "5.2.2", "taro@example.com", "out of storage space"),
        ("deferred_4.4.1.eml", "soft", "4.4.1", "taro@example.com", "Connection timed out"),
        (
            "vacation_auto_reply.eml",
            "auto_reply",
            "",
            "taro@example.com",
            "Out of Office: 【故障】",
        ),
    ],
)
def test_s4_each_sample_is_recorded_with_its_kind_code_and_diagnostic(
    name, kind, status, recipient, diagnostic
):
    """Postfix 5.1.1, Exim, a non-RFC "Undelivered Mail", a truncated DSN: hard; 4.2.2,
    5.2.2 (mailbox full) and a 4.4.1 delay: soft; a vacation reply: an auto-reply. One of
    them changes the delivery row's event and nothing else."""
    taro = owner("owner@example.com", "taro@example.com", "hanako@example.jp")[0]
    delivery = sent(taro)

    (bounce,) = feed(name, delivery)

    assert (bounce.kind, bounce.status_code, bounce.recipient) == (kind, status, recipient)
    assert (bounce.delivery, bounce.mail, bounce.destination_id) == (delivery, None, taro.pk)
    assert bounce.source == SMTP
    assert diagnostic in bounce.diagnostic
    delivery.refresh_from_db()
    event = {"hard": "HARD_BOUNCE", "soft": "SOFT_BOUNCE", "auto_reply": "AUTO_REPLY"}[kind]
    assert delivery.event == Delivery.Event[event]
    assert state(taro) == (Destination.Status.ACTIVE, "")
    assert not Mail.objects.exists()


def test_s4_an_auto_reply_is_recognised_by_its_subject_or_header_alone():
    """RFC 3834 Auto-Submitted, X-Autoreply, or a vacation subject (日本語 too)."""
    (taro,) = owner("owner@example.com", "taro@example.com")
    raw = sample("vacation_auto_reply.eml")
    variants = [
        raw.replace(b"X-Autoreply: yes\n", b"").replace(b"Out of Office: ", b""),
        raw.replace(b"Auto-Submitted: auto-replied\n", b"").replace(b"Out of Office: ", b""),
        raw.replace(b"Auto-Submitted: auto-replied\nX-Autoreply: yes\n", b"").replace(
            b"Out of Office: ", "自動応答: ".encode()
        ),
    ]
    for n, variant in enumerate(variants):
        address = verp(sent(taro))
        variant = variant.replace(b"__VERP__", address.encode())
        variant = variant.replace(b"vacation.", f"vacation{n}.".encode())
        (bounce,) = process_report(variant, envelope_recipients=[address], source=SMTP)
        assert bounce.kind == Bounce.Kind.AUTO_REPLY
    # Without any of the marks it is not a report at all: nothing recorded.
    plain = raw.replace(b"Auto-Submitted: auto-replied\nX-Autoreply: yes\n", b"")
    plain = plain.replace(b"Out of Office: ", b"Re: ").replace(b"vacation.", b"reply.")
    address = verp(sent(taro))
    assert (
        process_report(
            plain.replace(b"__VERP__", address.encode()), envelope_recipients=[address], source=SMTP
        )
        == []
    )
    assert Bounce.objects.count() == 3


def test_s4_the_same_dsn_twice_counts_once():
    (taro,) = owner("owner@example.com", "taro@example.com")
    delivery = sent(taro)
    assert len(feed("postfix_user_unknown.eml", delivery)) == 1
    assert feed("postfix_user_unknown.eml", delivery) == []
    # Redelivered by the relay with trace headers of its own: the same Message-ID, once.
    address = verp(delivery)
    again = b"Received: from relay2.example.ne.jp\n" + sample("postfix_user_unknown.eml", address)
    assert process_report(again, envelope_recipients=[address], source=SMTP) == []
    assert Bounce.objects.count() == 1


def test_s4_a_dsn_without_a_message_id_is_known_again_by_its_bytes():
    (taro,) = owner("owner@example.com", "taro@example.com")
    delivery = sent(taro)
    address = verp(delivery)
    raw = re.sub(rb"Message-Id: <[^>]+>\n", b"", sample("exim_failed.eml", address))
    assert len(process_report(raw, envelope_recipients=[address], source=SMTP)) == 1
    assert process_report(raw, envelope_recipients=[address], source=SMTP) == []
    assert Bounce.objects.count() == 1


# --- Reports that change nothing --------------------------------------------------------------


def test_s4_a_report_for_no_mail_the_portal_sent_changes_nothing(caplog):
    """A token never issued, a tampered one (another row's id under this one's signature),
    one whose row does not exist, an outbox mail that does not exist, a mail that is no
    report, and bytes that are no mail at all: nothing recorded, logged at INFO."""
    taro, hanako = owner("owner@example.com", "taro@example.com", "hanako@example.jp")
    mine, other = sent(taro), sent(hanako)
    signature = verp(mine).partition("-")[2].partition("@")[0]
    tampered = f"bounce+{name_of(other)}-{signature}@bounce.example.ne.jp"
    never = "bounce+d1z3-aaaaaaaaaaaaaaaa@bounce.example.ne.jp"
    cases = [
        (sample("never_issued_token.eml"), [never]),
        (sample("tampered_token.eml", tampered), [tampered]),
        (
            sample("postfix_user_unknown.eml", tokens.bounce_address("d", 999_999)),
            [tokens.bounce_address("d", 999_999)],
        ),
        (
            sample("postfix_user_unknown.eml", tokens.bounce_address("m", 999_999)),
            [tokens.bounce_address("m", 999_999)],
        ),
        (b"From: someone@example.com\nSubject: hello\n\nhello", [verp(mine)]),
        (b"\x00\xff garbage", [verp(mine)]),
        (sample("postfix_user_unknown.eml", verp(mine)), ["someone@example.com"]),
    ]
    with caplog.at_level(logging.INFO, logger="madoguchi.delivery.bounces"):
        for raw, recipients in cases:
            assert process_report(raw, envelope_recipients=recipients, source=SMTP) == []
    assert not Bounce.objects.exists()
    assert set(Delivery.objects.values_list("event", flat=True)) == {Delivery.Event.NONE}
    assert state(taro) == state(hanako) == (Destination.Status.ACTIVE, "")
    messages = [r.getMessage() for r in caplog.records if r.name == "madoguchi.delivery.bounces"]
    assert len(messages) == len(cases)
    assert all(r.levelno == logging.INFO for r in caplog.records if r.name.startswith("madoguchi"))


def name_of(delivery: Delivery) -> str:
    """The unsigned half of a delivery's token (``d`` and its id in base 36)."""
    return tokens.make(tokens.BOUNCE, tokens.DELIVERY, delivery.pk).partition("-")[0]


def test_s4_a_token_in_the_returned_headers_counts_only_when_signed():
    """The envelope recipient is not a VERP address (a feedback loop's, a forwarded
    report): the List-Unsubscribe mailto of the returned mail names the delivery, if its
    signature holds."""
    (taro,) = owner("owner@example.com", "taro@example.com")
    delivery = sent(taro)
    forged = f"unsubscribe+{name_of(delivery)}-aaaaaaaaaaaaaaaa@bounce.example.ne.jp"
    raw = sample("postfix_user_unknown.eml", FEEDBACK_ADDRESS, unsubscribe=forged)
    assert process_report(raw, envelope_recipients=[FEEDBACK_ADDRESS], source=SMTP) == []
    raw = sample(
        "postfix_user_unknown.eml", FEEDBACK_ADDRESS, unsubscribe=unsubscribe_address(delivery)
    )
    (bounce,) = process_report(raw, envelope_recipients=[FEEDBACK_ADDRESS], source=SMTP)
    assert (bounce.delivery, bounce.kind) == (delivery, Bounce.Kind.HARD)


# --- Delivery rows' events ---------------------------------------------------------------------


def test_s4_an_unsubscribe_is_never_overwritten_and_an_auto_reply_does_not_weaken_a_bounce():
    (taro,) = owner("owner@example.com", "taro@example.com")
    unsubscribed, bounced = sent(taro), sent(taro)
    Delivery.objects.filter(pk=unsubscribed.pk).update(event=Delivery.Event.UNSUBSCRIBED)
    feed("postfix_user_unknown.eml", unsubscribed)
    feed("postfix_user_unknown.eml", bounced)
    feed("vacation_auto_reply.eml", bounced)
    events = dict(Delivery.objects.values_list("pk", "event"))
    assert events == {
        unsubscribed.pk: Delivery.Event.UNSUBSCRIBED,
        bounced.pk: Delivery.Event.HARD_BOUNCE,
    }
    assert Bounce.objects.count() == 3


# --- Suspension ----------------------------------------------------------------------------------


def resume_path(text: str) -> str:
    (link,) = re.findall(r"https://support\.example\.ne\.jp(/\S+)", text)
    return link


def test_s4_three_hard_bounces_suspend_and_each_other_active_destination_gets_one_notice(
    smtp_server, client
):
    """After the 3rd consecutive hard bounce: 配信停止 (bounces), and one notice with the
    reason and a working 「配信再開」 link to each other active destination — not to the
    pending one, not to the bouncing one. A 4th bounce mails nothing more; after 配信再開
    the count starts again."""
    taro, _, jiro = owner(
        "owner@example.com", "taro@example.com", "hanako@example.jp", "jiro@example.jp"
    )
    Destination.objects.filter(pk=jiro.pk).update(status="pending", confirmed_at=None)
    deliveries = [sent(taro) for _ in range(4)]

    for delivery in deliveries[:2]:
        feed("postfix_user_unknown.eml", delivery)
    assert state(taro) == (Destination.Status.ACTIVE, "")
    feed("postfix_user_unknown.eml", deliveries[2])
    assert state(taro) == (Destination.Status.SUSPENDED, Destination.Reason.BOUNCES)
    feed("postfix_user_unknown.eml", deliveries[3])  # while suspended: recorded, no notice
    assert Bounce.objects.filter(destination_id=taro.pk).count() == 4

    assert deliver_due() == 1
    (notice,) = smtp_server.received
    assert notice.rcpt_to == ["hanako@example.jp"]
    assert notice.subject.strip() == NOTICE_SUBJECT
    assert notice.mail_from.startswith("bounce+m")  # the notice's own VERP address
    text = notice.text
    assert "配信先　　：taro@example.com" in text
    assert "停止の理由：メールをお届けできない状態が続いたため" in text
    path = resume_path(text)
    assert path.startswith("/support/mymenu/mail/resume/")

    page = client.get(path)
    assert page.status_code == 200
    assert "taro@example.com" in page.content.decode()
    assert client.post(path).status_code == 200
    assert state(taro) == (Destination.Status.ACTIVE, "")

    # The bounces before 配信再開 no longer count: one more hard bounce does not suspend.
    feed("postfix_user_unknown.eml", sent(taro))
    assert state(taro) == (Destination.Status.ACTIVE, "")


def test_s4_an_owner_with_no_other_active_destination_gets_no_notice():
    taro, _pending = owner("owner@example.com", "taro@example.com", pending="pending@example.jp")
    for _ in range(3):
        feed("postfix_user_unknown.eml", sent(taro))
    assert state(taro) == (Destination.Status.SUSPENDED, Destination.Reason.BOUNCES)
    assert not Mail.objects.exists()


def test_s4_a_soft_bounce_or_an_auto_reply_breaks_the_run_of_hard_bounces():
    """Consecutive: the hard bounces since the last report of another kind."""
    (taro,) = owner("owner@example.com", "taro@example.com")
    for name in ("postfix_user_unknown.eml", "exim_failed.eml", "mailbox_full_4.2.2.eml"):
        feed(name, sent(taro))
    feed("postfix_user_unknown.eml", sent(taro))
    feed("vacation_auto_reply.eml", sent(taro))
    feed("postfix_user_unknown.eml", sent(taro))
    feed("postfix_user_unknown.eml", sent(taro))
    assert state(taro) == (Destination.Status.ACTIVE, "")
    feed("exim_failed.eml", sent(taro))
    assert state(taro) == (Destination.Status.SUSPENDED, Destination.Reason.BOUNCES)


def test_s4_soft_bounces_suspend_only_within_the_period():
    """BOUNCE_SOFT_LIMIT (3 here) soft bounces within BOUNCE_SOFT_DAYS (7): an older one
    does not count."""
    (taro,) = owner(
        "owner@example.com",
        "taro@example.com",
    )
    Destination.objects.filter(pk=taro.pk).update(confirmed_at=timezone.now() - timedelta(days=30))
    (old,) = feed("over_quota_5.2.2.eml", sent(taro))
    Bounce.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=8))
    feed("mailbox_full_4.2.2.eml", sent(taro))
    feed("deferred_4.4.1.eml", sent(taro))
    assert state(taro) == (Destination.Status.ACTIVE, "")
    feed("over_quota_5.2.2.eml", sent(taro))
    assert state(taro) == (Destination.Status.SUSPENDED, Destination.Reason.BOUNCES)


def test_s4_a_complaint_suspends_at_once_and_is_found_by_the_returned_return_path():
    """An ARF report (RFC 5965) comes to the feedback-loop address; the mail it returns
    carries the signed VERP Return-Path. One complaint: 配信停止 (complaint), one notice."""
    taro = owner("owner@example.com", "taro@example.com", "hanako@example.jp")[0]
    delivery = sent(taro)
    raw = sample("arf_complaint.eml", verp(delivery))

    (bounce,) = process_report(raw, envelope_recipients=[FEEDBACK_ADDRESS], source=SMTP)

    assert (bounce.kind, bounce.delivery, bounce.recipient) == (
        "complaint",
        delivery,
        "jiro@example.com",
    )
    assert bounce.diagnostic == "Feedback-Type: abuse"
    delivery.refresh_from_db()
    assert delivery.event == Delivery.Event.COMPLAINT
    assert state(taro) == (Destination.Status.SUSPENDED, Destination.Reason.COMPLAINT)
    (notice,) = Mail.objects.all()
    assert notice.to == "hanako@example.jp"
    assert notice.context["reason"] == "迷惑メールとして報告されたため"


@pytest.mark.django_db(transaction=True)
def test_s4_reports_arriving_at_once_count_once_and_suspend_once():
    """Two copies of one DSN at once: one row. Three hard bounces at once: suspended once,
    one notice."""
    taro = owner("owner@example.com", "taro@example.com", "hanako@example.jp")[0]
    first = sent(taro)
    results = run_together(
        lambda: feed("postfix_user_unknown.eml", first),
        lambda: feed("postfix_user_unknown.eml", first),
    )
    assert sorted(len(r) for r in results) == [0, 1]
    more = [sent(taro), sent(taro)]
    results = run_together(*(lambda d=d: feed("exim_failed.eml", d) for d in [*more, first]))
    assert sorted(len(r) for r in results) == [1, 1, 1]
    assert Bounce.objects.count() == 4
    assert state(taro) == (Destination.Status.SUSPENDED, Destination.Reason.BOUNCES)
    assert list(Mail.objects.values_list("to", flat=True)) == ["hanako@example.jp"]


# --- Outbox mails (acceptance, outcome …) -------------------------------------------------------


def test_s4_an_outbox_mail_leaves_with_its_verp_address_and_its_bounce_is_recorded(
    smtp_server, settings
):
    settings.DEFAULT_FROM_EMAIL = "madoguchi <support@example.ne.jp>"
    mail = enqueue_mail(
        to="taro@example.com",
        template="alerts_destination_confirm",
        context={
            "address": "taro@example.com",
            "link": "https://x/",
            "minutes": 30,
            "deadline": "-",
        },
    )
    assert deliver_due() == 1
    (received,) = smtp_server.received
    assert received.mail_from == tokens.bounce_address(tokens.MAIL, mail.pk)
    assert received.message["From"] == "madoguchi <support@example.ne.jp>"

    raw = sample("postfix_user_unknown.eml", received.mail_from)
    (bounce,) = process_report(raw, envelope_recipients=[received.mail_from], source=SMTP)
    assert (bounce.mail, bounce.delivery, bounce.destination_id) == (mail, None, None)
    assert (bounce.kind, bounce.recipient, bounce.status_code) == (
        "hard",
        "taro@example.com",
        "5.1.1",
    )
    assert process_report(raw, envelope_recipients=[received.mail_from], source=SMTP) == []
