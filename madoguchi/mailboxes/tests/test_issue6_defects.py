"""Defects a new user found in the mailbox flows (issue 6), each with the behaviour that
replaces it: charges given everything applied for (D4.4, D4.10), the completion page's real
state (X3), feedback where the page said nothing (D4.1, D4.3), the withdrawal mail (D4.7)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from madoguchi.applications.models import Application
from madoguchi.applications.services import fail_application
from madoguchi.contracts.tests.pages import page_text
from madoguchi.lib.drafts import EXPIRED_MESSAGE
from madoguchi.mailboxes import services
from madoguchi.mailboxes.tests.desk_pages import (
    CONFIRM,
    LIST,
    TERMS,
    add_data,
    add_url,
    complete_url,
    post_confirm,
    virus_only,
)
from madoguchi.mailboxes.tests.factories import MailboxFactory, submit
from madoguchi.outbox.models import Mail

pytestmark = pytest.mark.django_db


def test_d4_4_d4_10_overlapping_adds_each_show_the_charge_after_everything_applied_for(
    customer, mailbox, apply, mailoutbox, settings
):
    """Defect 4: two overlapping 追加 both said 「250円（税込 275円）」; the second must include
    the first, as the status page will once both are done."""
    settings.MAILBOX_PROCESSING_DELAY_SECONDS = 600  # both still pending
    first = apply(customer, 2, "add", account="first1", mail_to=[mailbox.address])
    second = apply(
        customer, 3, "add", account="second2", virus_check=True, mail_to=[mailbox.address]
    )
    assert (first.before["monthly_charge"], first.after["monthly_charge"]) == (0, 250)
    assert (second.before["monthly_charge"], second.after["monthly_charge"]) == (0, 550)
    bodies = {mail.subject: mail.body for mail in mailoutbox}
    assert "月額料金：0円（税込 0円） → 250円（税込 275円）" in bodies[first_subject(first)]
    assert "月額料金：0円（税込 0円） → 550円（税込 605円）" in bodies[first_subject(second)]
    assert "お手続き中のほかのお申込みもすべて完了した後の金額" in bodies[first_subject(second)]


def first_subject(application) -> str:
    return f"【madoguchi】メールアカウント追加のお申込みを受け付けました（{application.number}）"


def test_d4_4_confirm_page_shows_the_charge_after_the_pending_applications(
    customer_client, customer, mailbox
):
    submit(customer, 2, "add", account="pending1")  # 2 addresses once done: 250
    customer_client.post(add_url(3), add_data("another", on=False))
    confirm = page_text(customer_client.get(CONFIRM))
    assert "現在の月額料金 0円（税込 0円）" in confirm
    assert "お申込み後の月額料金 350円（税込 385円）" in confirm


def test_x3_completion_page_shows_a_failure_and_offers_no_cancel(customer_client, customer):
    """Defect 6: the page of an application that later failed still said 受け付けました and
    キャンセルできます."""
    application = submit(customer, 1, "add", account="hanako")
    page = page_text(customer_client.get(complete_url(application.pk)))
    assert "メールアカウント追加のお申込みを受け付けました。" in page
    assert "「キャンセル」できます" in page

    fail_application(application, reason="ご希望のメールアカウントは使用できませんでした。")

    page = page_text(customer_client.get(complete_url(application.pk)))
    assert "メールアカウント追加のお申込みは完了できませんでした。" in page
    assert "ご希望のメールアカウントは使用できませんでした。" in page
    assert "受け付けました" not in page
    assert "キャンセル" not in page
    assert "状況 失敗" in page


def test_x3_completion_page_of_a_done_and_of_a_withdrawn_application(customer_client, customer):
    MailboxFactory(contract=customer.contract, slot=1)
    done = submit(customer, 2, "add", account="hanako")
    from madoguchi.applications.services import process_application

    process_application(done.pk)
    page = page_text(customer_client.get(complete_url(done.pk)))
    assert "処理が完了しました" in page and "キャンセル" not in page

    pending = submit(customer, 1, "change", virus_check=True)
    services.cancel_mailbox_application(user=customer, slot=1)
    page = page_text(customer_client.get(complete_url(pending.pk)))
    assert "取り消されました" in page and "取消日時" in page
    assert "受け付けました" not in page


def test_d4_7_withdrawing_a_pending_application_mails_the_customer(
    customer_client, customer, mailbox, django_capture_on_commit_callbacks, mailoutbox
):
    application = submit(customer, 2, "add", account="hanako")
    with django_capture_on_commit_callbacks(execute=True):
        response = customer_client.post(reverse("mailboxes:cancel", args=[2]))
    assert response["Location"] == LIST
    assert Application.objects.get().status == Application.Status.CANCELLED
    (mail,) = mailoutbox
    assert mail.to == [customer.contract.contact_email]
    assert mail.subject == (
        f"【madoguchi】メールアカウント追加のお申込みを取り消しました（{application.number}）"
    )
    assert "ご依頼により取り消しました" in mail.body
    assert "取消日時" in mail.body
    assert Mail.objects.get().template == "application_cancelled"


def test_d4_1_add_on_a_used_slot_says_why_it_went_back_to_the_list(customer_client, mailbox):
    """Defect 10: the full-slot add URL redirected silently."""
    response = customer_client.get(add_url(1), follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "No.01 にはすでにメールアカウントがあります。" in page_text(response)
    response = customer_client.get(reverse("mailboxes:change", args=[2]), follow=True)
    assert "No.02 にはメールアカウントがありません。" in page_text(response)


def test_d4_1_a_pending_slot_says_it_is_pending(customer_client, customer, mailbox):
    submit(customer, 2, "add", account="hanako")
    response = customer_client.get(add_url(2), follow=True)
    assert "No.02 はお申込み処理中のため" in page_text(response)


def test_d4_3_declining_the_terms_says_the_application_was_stopped(customer_client, mailbox):
    """Defect 10: declining the terms returned to the list without a word."""
    customer_client.post(reverse("mailboxes:change", args=[1]), virus_only(True))
    response = customer_client.post(TERMS, {"decline": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "規約に同意いただけなかったため、お申込みを中止しました。" in page_text(response)
    assert not Application.objects.exists()


def test_x2_register_after_the_draft_expired_says_so(customer_client, mailbox, time_machine):
    customer_client.post(reverse("mailboxes:change", args=[1]), virus_only(False))
    start = timezone.now()
    time_machine.move_to(start + timedelta(minutes=20))
    customer_client.get(LIST)  # the session stays alive; the draft does not
    time_machine.move_to(start + timedelta(minutes=31))
    response = post_confirm(customer_client, {"mail_to": []}, follow=True)
    assert EXPIRED_MESSAGE in page_text(response)
    assert not Application.objects.exists()
