"""D4.6 「削除」 → confirm → application; D4.7 「キャンセル」 of a pending application."""

import pytest

from madoguchi.applications.models import Application
from madoguchi.applications.services import claim_application
from madoguchi.contracts.tests.pages import dom, find_all, page_text, text
from madoguchi.mailboxes.models import AccountName, Mailbox, MailboxOrder
from madoguchi.mailboxes.tests.desk_pages import (
    CONFIRM,
    LIST,
    account_only,
    add_data,
    add_url,
    alerts,
    cancel_url,
    change_url,
    complete_url,
    delete_url,
    post_confirm,
    slot_rows,
    steps,
    summary_rows,
)
from madoguchi.mailboxes.tests.factories import MailboxFactory, submit

pytestmark = pytest.mark.django_db

ABCDEFG = "abcdefg@arrow.example.ne.jp"


def names() -> set[str]:
    return set(AccountName.objects.values_list("name", flat=True))


# --- D4.6 ---------------------------------------------------------------------------------


def test_d4_6_delete_confirm_then_application(customer_client, customer, mailbox):
    MailboxFactory(contract=customer.contract, slot=2, account="k04xm40u", virus_check=True)
    response = customer_client.get(delete_url(2))
    assert response.status_code == 302
    assert response["Location"] == CONFIRM
    confirm = customer_client.get(CONFIRM)
    assert "■ メールアカウントの削除" in page_text(confirm)
    assert summary_rows(confirm) == [
        ["メールアカウント", "k04xm40u@arrow.example.ne.jp", "→", "削除"],
        ["ウィルスチェックサービス", "利用する", "→", "削除"],
    ]
    root = dom(confirm)
    before = find_all(root, lambda e: ("id", "charge-before") in e.attributes)
    after = find_all(root, lambda e: ("id", "charge-after") in e.attributes)
    # 2 addresses (250) + 1 check (200) → 1 address.
    assert (text(before[0]), text(after[0])) == ("450円（税込 495円）", "0円（税込 0円）")
    assert steps(confirm) == (["STEP1", "STEP2", "STEP3", "完了"], "STEP3")
    # Nothing yet: the mailbox is still there and nothing is pending.
    assert not Application.objects.exists()
    response = post_confirm(customer_client, {"mail_to": [ABCDEFG]})
    application = Application.objects.get()
    assert response["Location"] == complete_url(application.pk)
    assert application.kind == "mailbox_delete"
    assert application.after["address"] is None
    assert [after for _, _, after in application.rows][:2] == ["削除", "削除"]
    order = MailboxOrder.objects.get()
    assert (order.slot, order.action, order.pending) == (2, "delete", True)
    assert Mailbox.objects.filter(slot=2).exists()  # until processed
    complete = customer_client.get(complete_url(application.pk))
    assert "メールアカウント削除のお申込みを受け付けました。" in page_text(complete)
    assert steps(complete) == (["STEP1", "STEP2", "STEP3", "完了"], "完了")
    row = slot_rows(customer_client.get(LIST))[1]
    assert (row["state"], row["buttons"]) == ("お申込み処理中", ["キャンセル"])


def test_d4_6_delete_of_an_empty_or_pending_slot_goes_back_to_the_list(
    customer_client, customer, mailbox
):
    assert customer_client.get(delete_url(2))["Location"] == LIST
    submit(customer, 1, "change", virus_check=True)
    assert customer_client.get(delete_url(1))["Location"] == LIST
    assert customer_client.get(CONFIRM)["Location"] == LIST
    assert Application.objects.count() == 1


def test_d4_6_delete_back_link_returns_to_the_list(customer_client, mailbox):
    customer_client.get(delete_url(1))
    confirm = customer_client.get(CONFIRM)
    links = {text(a): a for a in find_all(dom(confirm), lambda e: e.name == "a")}
    assert ("href", LIST) in links["◀ 戻る"].attributes


# --- D4.7 ---------------------------------------------------------------------------------


def cancel(client, slot: int):
    """「キャンセル」 on the list, then the cancel page's button."""
    row = slot_rows(client.get(LIST))[slot - 1]
    assert row["buttons"] == ["キャンセル"]
    page = client.get(row["hrefs"][0])
    assert page.status_code == 200
    return page, client.post(row["hrefs"][0])


def test_d4_7_cancel_a_pending_add_returns_the_slot_to_addable(customer_client, mailbox):
    customer_client.post(add_url(2), add_data("hijklmn"))
    post_confirm(customer_client, {"mail_to": []})
    application = Application.objects.get()
    assert names() == {"abcdefg", "hijklmn"}

    page, response = cancel(customer_client, 2)

    body = page_text(page)
    assert "お申込みのキャンセル" in body
    assert application.number in body
    assert "メールアカウント追加" in body
    assert "hijklmn" in body
    assert response.status_code == 302
    assert response["Location"] == LIST
    application.refresh_from_db()
    assert application.status == Application.Status.CANCELLED
    listing = customer_client.get(LIST)
    assert f"お申込み（お申込み番号 {application.number}）をキャンセルしました。" in alerts(listing)
    row = slot_rows(listing)[1]
    assert (row["account"], row["state"], row["buttons"]) == ("—", "追加可能", ["追加"])
    assert names() == {"abcdefg"}  # the name is free again
    assert not MailboxOrder.objects.filter(pending=True).exists()


def test_d4_7_cancel_a_pending_change_returns_the_slot_to_what_it_was(customer_client, mailbox):
    customer_client.post(change_url(1), account_only("opqrstu"))
    post_confirm(customer_client, {"mail_to": []})
    assert slot_rows(customer_client.get(LIST))[0]["state"] == "お申込み処理中"

    cancel(customer_client, 1)

    row = slot_rows(customer_client.get(LIST))[0]
    assert row == {
        "no": "01",
        "account": ABCDEFG,
        "virus": "利用しない",
        "state": "変更・削除可能",
        "buttons": ["変更", "削除"],
        "hrefs": [change_url(1), delete_url(1)],
    }
    assert names() == {"abcdefg"}
    mailbox.refresh_from_db()
    assert mailbox.account == "abcdefg"


def test_d4_7_cancel_after_a_worker_started_is_refused_with_a_message(
    customer_client, customer, mailbox
):
    application = submit(customer, 1, "change", virus_check=True)
    page = customer_client.get(cancel_url(1))
    assert page.status_code == 200
    # A worker claims it while the page is open.
    assert claim_application(application.pk) is not None
    response = customer_client.post(cancel_url(1))
    assert response["Location"] == LIST
    listing = customer_client.get(LIST)
    assert "お申込みの処理が始まっているため、キャンセルできませんでした。" in alerts(listing)
    application.refresh_from_db()
    assert application.status == Application.Status.PROCESSING
    # The cancel page itself no longer offers the button.
    page = customer_client.get(cancel_url(1))
    assert [text(b) for b in find_all(dom(page), lambda e: e.name == "button")] == ["ログアウト"]
    assert "お申込みの処理が始まっているため、キャンセルできません。" in page_text(page)


def test_d4_7_cancel_after_processing_is_refused_with_a_message(
    customer_client, customer, mailbox, process
):
    application = submit(customer, 1, "change", virus_check=True)
    customer_client.get(cancel_url(1))
    process(application)
    assert application.status == Application.Status.DONE

    response = customer_client.post(cancel_url(1))

    assert response["Location"] == LIST
    listing = customer_client.get(LIST)
    assert "キャンセルできるお申込みはありません。" in alerts(listing)
    application.refresh_from_db()
    assert application.status == Application.Status.DONE
    row = slot_rows(listing)[0]
    assert (row["virus"], row["state"]) == ("利用する", "変更・削除可能")


def test_d4_7_cancel_with_nothing_pending_goes_back_to_the_list(customer_client, mailbox):
    response = customer_client.get(cancel_url(1))
    assert response["Location"] == LIST
    assert "キャンセルできるお申込みはありません。" in alerts(customer_client.get(LIST))
    assert customer_client.post(cancel_url(2))["Location"] == LIST
    assert not Application.objects.exists()


def test_d4_7_cancel_twice_cancels_once(customer_client, customer, mailbox):
    application = submit(customer, 2, "add", account="hijklmn")
    customer_client.post(cancel_url(2))
    customer_client.post(cancel_url(2))
    application.refresh_from_db()
    assert application.status == Application.Status.CANCELLED
    messages = alerts(customer_client.get(LIST))
    assert messages == [
        f"お申込み（お申込み番号 {application.number}）をキャンセルしました。",
        "キャンセルできるお申込みはありません。",
    ]


def test_d4_7_after_a_cancel_the_slot_can_be_applied_for_again(customer_client, mailbox):
    customer_client.post(change_url(1), account_only("opqrstu"))
    post_confirm(customer_client, {"mail_to": []})
    customer_client.post(cancel_url(1))
    customer_client.post(change_url(1), account_only("opqrstu"))
    post_confirm(customer_client, {"mail_to": []})
    assert Application.objects.filter(status=Application.Status.ACCEPTED).count() == 1
    assert Application.objects.filter(status=Application.Status.CANCELLED).count() == 1
