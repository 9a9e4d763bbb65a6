"""The seed's flows 1.2.3–1.2.6, delete and cancel, walked page by page as a customer does.

From the menu to the list, the button of the slot, the input, the terms (when the virus check
is turned on), the confirm page with its default-ticked addresses, 「登録」, the completion
page; then the slot and the usage-status page while the application waits (X3, D2.2), the
worker's processing (D4.8, P2), and the slot, the status page and the mails after it.
"""

import pytest
from argon2 import PasswordHasher
from django.urls import reverse

from madoguchi.applications.models import Application
from madoguchi.contracts.tests.pages import attr, by_id, dom, find_all, page_text, text
from madoguchi.mailboxes.models import Mailbox
from madoguchi.mailboxes.tests.desk_pages import (
    CONFIRM,
    LIST,
    NEW_PASSWORD,
    TERMS,
    account_and_virus,
    account_only,
    add_data,
    checked_values,
    post_confirm,
    slot_rows,
    steps,
    summary_rows,
    virus_only,
)
from madoguchi.mailboxes.tests.factories import MailboxFactory
from madoguchi.provisioning.models import VirtualUser

pytestmark = pytest.mark.django_db

ARROW, DUNE = "arrow.example.ne.jp", "dune.example.ne.jp"
ABCDEFG = f"abcdefg@{ARROW}"
K04 = f"k04xm40u@{DUNE}"


class Customer:
    """A customer's browser on the desk: follows links and buttons by their text."""

    def __init__(self, client, capture):
        self.client = client
        self.capture = capture
        self.work = []  # what the 「登録」 left to run on commit: processing and mails

    def open_list(self):
        status = self.client.get(reverse("desk:status"))
        menu = find_all(dom(status), lambda e: e.name == "nav")[0]
        links = {text(a): attr(a, "href") for a in find_all(menu, lambda e: e.name == "a")}
        response = self.client.get(links["メールアカウントおよびウイルスチェック"])
        assert response.status_code == 200
        return response

    def press(self, slot: int, button: str):
        row = slot_rows(self.open_list())[slot - 1]
        href = dict(zip(row["buttons"], row["hrefs"], strict=True))[button]
        return href, self.client.get(href)

    def enter(self, slot: int, button: str, data: dict):
        href, page = self.press(slot, button)
        assert page.status_code == 200
        assert steps(page)[1] == "STEP2"
        response = self.client.post(href, data)
        assert response.status_code == 302
        return response["Location"]

    def agree(self):
        terms = self.client.get(TERMS)
        assert "ウィルスチェックサービス規約" in page_text(terms)
        assert steps(terms) == (["STEP1", "STEP2", "STEP3", "STEP4", "完了"], "STEP3")
        assert self.client.post(TERMS, {"agree": "1"})["Location"] == CONFIRM

    def register(self):
        """「登録」 with the addresses ticked by default; the work waits for the worker."""
        confirm = self.client.get(CONFIRM)
        ticked = checked_values(confirm, "mail_to")
        with self.capture(execute=False) as callbacks:
            response = post_confirm(self.client, {"mail_to": ticked})
        self.work += callbacks
        assert response.status_code == 302
        complete = self.client.get(response["Location"])
        assert complete.status_code == 200
        assert steps(complete)[1] == "完了"
        assert "のお申込みを受け付けました。" in page_text(complete)
        return confirm, ticked, Application.objects.latest("pk")

    def worker_runs(self):
        """The worker does what was enqueued: processing, the acceptance and outcome mails."""
        with self.capture(execute=True):
            for callback in self.work:
                callback()
        self.work = []

    def status_page(self):
        return self.client.get(reverse("desk:status"))


@pytest.fixture
def browser(customer_client, django_capture_on_commit_callbacks):
    return Customer(customer_client, django_capture_on_commit_callbacks)


@pytest.fixture
def second(customer, mailbox):
    return MailboxFactory(
        contract=customer.contract, slot=2, account="k04xm40u", host=DUNE, virus_check=False
    )


def in_progress(response) -> list[list[str]]:
    found = find_all(dom(response), lambda e: attr(e, "id") == "in-progress")
    if not found:
        return []
    rows = find_all(found[0], lambda e: e.name == "tr")[1:]
    return [[text(cell) for cell in row.children] for row in rows]


def options(response) -> list[list[str]]:
    table = by_id(dom(response), "options")
    return [
        [text(cell) for cell in row.children] for row in find_all(table, lambda e: e.name == "tr")
    ][1:]


def options_charge(response) -> str:
    return text(by_id(dom(response), "options-charge"))


def mails(mailoutbox, word: str) -> list:
    return [mail for mail in mailoutbox if word in mail.subject]


def verifies(stored: str, password: str) -> bool:
    assert stored.startswith("{ARGON2ID}$argon2id$")
    return PasswordHasher().verify(stored.removeprefix("{ARGON2ID}"), password)


def test_flow_1_2_3_virus_check_only_with_the_terms(browser, customer, mailbox, mailoutbox):
    change = browser.enter(1, "変更", virus_only(True))
    assert change == TERMS
    browser.agree()
    confirm, ticked, application = browser.register()
    assert summary_rows(confirm) == [
        ["メールアカウント", ABCDEFG, "→", "変更なし"],
        ["ウィルスチェックサービス", "利用しない", "→", "利用する"],
    ]
    assert ticked == [ABCDEFG]
    # Waiting: the slot and the status page say so, and it can be cancelled.
    row = slot_rows(browser.open_list())[0]
    assert (row["state"], row["buttons"]) == ("お申込み処理中", ["キャンセル"])
    status = browser.status_page()
    assert [r[2:] for r in in_progress(status)] == [
        ["メールアカウント・ウィルスチェックサービス変更", "受付"]
    ]

    browser.worker_runs()

    application.refresh_from_db()
    assert application.status == Application.Status.DONE
    row = slot_rows(browser.open_list())[0]
    assert row == {**row, "account": ABCDEFG, "virus": "利用する", "state": "変更・削除可能"}
    assert row["buttons"] == ["変更", "削除"]
    p2 = VirtualUser.objects.get()
    assert (p2.email, p2.virus_check) == (ABCDEFG, True)
    status = browser.status_page()
    assert options(status) == [["01", ABCDEFG, "利用する"]]
    assert options_charge(status) == "200円（税込 220円）"
    assert in_progress(status) == []
    [accepted] = mails(mailoutbox, "受け付けました")
    assert accepted.to == [ABCDEFG]
    [done] = mails(mailoutbox, "完了しました")
    assert done.to == [customer.contract.contact_email]
    assert application.number in done.subject


def test_flow_1_2_4_account_and_virus_check_together(browser, customer, second, mailoutbox):
    assert browser.enter(2, "変更", account_and_virus("opqrstu", True)) == TERMS
    browser.agree()
    confirm, ticked, _application = browser.register()
    assert summary_rows(confirm) == [
        ["メールアカウント", K04, "→", "opqrstu"],
        ["ウィルスチェックサービス", "利用しない", "→", "利用する"],
    ]
    assert ticked == [ABCDEFG, K04]
    assert slot_rows(browser.open_list())[1]["state"] == "お申込み処理中"

    browser.worker_runs()

    mailbox = Mailbox.objects.get(contract=customer.contract, slot=2)
    assert mailbox.account == "opqrstu" and mailbox.host in (ARROW, DUNE)
    row = slot_rows(browser.open_list())[1]
    assert (row["account"], row["virus"], row["state"]) == (
        mailbox.address,
        "利用する",
        "変更・削除可能",
    )
    rows = {user.email: user for user in VirtualUser.objects.all()}
    assert set(rows) == {ABCDEFG, mailbox.address}  # the old address is gone
    assert rows[mailbox.address].virus_check is True
    assert verifies(rows[mailbox.address].password, NEW_PASSWORD)
    assert options_charge(browser.status_page()) == "450円（税込 495円）"
    accepted = mails(mailoutbox, "受け付けました")
    assert sorted(mail.to for mail in accepted) == [[ABCDEFG], [K04]]
    for mail in accepted:
        assert "opqrstu" in mail.body and NEW_PASSWORD not in mail.body
    [done] = mails(mailoutbox, "完了しました")
    assert mailbox.address in done.body


def test_flow_1_2_5_account_only_without_the_terms(browser, customer, second, mailoutbox):
    assert browser.enter(2, "変更", account_only("opqrstu")) == CONFIRM
    confirm, _ticked, _application = browser.register()
    assert steps(confirm) == (["STEP1", "STEP2", "STEP3", "完了"], "STEP3")
    assert summary_rows(confirm)[1] == ["ウィルスチェックサービス", "利用しない", "→", "変更なし"]

    browser.worker_runs()

    mailbox = Mailbox.objects.get(contract=customer.contract, slot=2)
    assert (mailbox.account, mailbox.virus_check) == ("opqrstu", False)
    assert slot_rows(browser.open_list())[1]["account"] == mailbox.address
    assert verifies(VirtualUser.objects.get(email=mailbox.address).password, NEW_PASSWORD)
    assert not VirtualUser.objects.filter(email=K04).exists()
    assert sorted(m.to for m in mails(mailoutbox, "受け付けました")) == [[ABCDEFG], [K04]]


def test_flow_1_2_6_add_an_account(browser, customer, mailbox, mailoutbox):
    assert browser.enter(2, "追加", add_data("k04xm40u", on=False)) == CONFIRM
    confirm, _ticked, application = browser.register()
    assert summary_rows(confirm) == [
        ["メールアカウント", "k04xm40u"],
        ["ウィルスチェックサービス", "利用しない"],
    ]
    assert application.kind == "mailbox_add"
    row = slot_rows(browser.open_list())[1]
    assert (row["account"], row["state"], row["buttons"]) == ("—", "お申込み処理中", ["キャンセル"])

    browser.worker_runs()

    row = slot_rows(browser.open_list())[1]
    mailbox = Mailbox.objects.get(contract=customer.contract, slot=2)
    assert mailbox.host in (ARROW, DUNE)
    assert (row["account"], row["virus"], row["state"]) == (
        mailbox.address,
        "利用しない",
        "変更・削除可能",
    )
    assert options_charge(browser.status_page()) == "250円（税込 275円）"
    assert [m.to for m in mails(mailoutbox, "受け付けました")] == [[ABCDEFG]]


def test_flow_1_2_6_add_with_virus_check_passes_the_terms(browser, customer, mailbox):
    assert browser.enter(3, "追加", add_data("hijklmn", on=True)) == TERMS
    browser.agree()
    browser.register()
    browser.worker_runs()
    row = slot_rows(browser.open_list())[2]
    assert row["virus"] == "利用する"
    assert VirtualUser.objects.get(email__startswith="hijklmn@").virus_check is True


def test_flow_delete_an_account(browser, customer, second, mailoutbox):
    href, _ = browser.press(2, "削除")
    assert browser.client.get(href)["Location"] == CONFIRM
    confirm, _ticked, _application = browser.register()
    assert summary_rows(confirm)[0] == ["メールアカウント", K04, "→", "削除"]

    browser.worker_runs()

    row = slot_rows(browser.open_list())[1]
    assert (row["account"], row["state"], row["buttons"]) == ("—", "追加可能", ["追加"])
    assert not VirtualUser.objects.filter(email=K04).exists()
    assert options(browser.status_page()) == [["01", ABCDEFG, "利用しない"]]
    assert sorted(m.to for m in mails(mailoutbox, "受け付けました")) == [[ABCDEFG], [K04]]


def test_flow_cancel_a_pending_application(browser, customer, mailbox, mailoutbox):
    browser.enter(2, "追加", add_data("k04xm40u"))
    _, _, application = browser.register()
    href, page = browser.press(2, "キャンセル")
    assert application.number in page_text(page)
    assert browser.client.post(href)["Location"] == LIST

    browser.worker_runs()  # the worker comes too late: nothing to do

    application.refresh_from_db()
    assert application.status == Application.Status.CANCELLED
    row = slot_rows(browser.open_list())[1]
    assert (row["account"], row["state"], row["buttons"]) == ("—", "追加可能", ["追加"])
    assert not Mailbox.objects.filter(slot=2).exists()
    assert not VirtualUser.objects.filter(email__startswith="k04xm40u@").exists()
    assert in_progress(browser.status_page()) == []
    assert mails(mailoutbox, "完了しました") == []
