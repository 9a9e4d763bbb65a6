"""D4.4 the confirm step; X1 「戻る」, nothing before 「登録」; X2 exactly once; D4.9 re-check."""

import pytest

from madoguchi.applications.models import Application
from madoguchi.contracts.tests.pages import attr, by_id, dom, find_all, page_text, text
from madoguchi.mailboxes.forms import ConfirmMailForm
from madoguchi.mailboxes.models import AccountName, Mailbox, MailboxOrder
from madoguchi.mailboxes.rules import ACCOUNT_MESSAGES
from madoguchi.mailboxes.tests.desk_pages import (
    CONFIRM,
    LIST,
    TERMS,
    account_and_virus,
    account_only,
    add_data,
    add_url,
    all_errors,
    change_url,
    checked_values,
    complete_url,
    errors_beside,
    post_confirm,
    summary_header,
    summary_rows,
    value_of,
    virus_only,
)
from madoguchi.mailboxes.tests.factories import MailboxFactory, submit
from madoguchi.provisioning.models import VirtualUser
from madoguchi.testing.outbox import acceptance_recipients

pytestmark = pytest.mark.django_db

ABCDEFG = "abcdefg@arrow.example.ne.jp"
K04 = "k04xm40u@dune.example.ne.jp"
NOTES = [
    "！ ご希望のアカウントが既に使用されている場合など、希望のアカウントが予約できず、"
    "変更できない場合があります。",
    "@以降のホスト名は登録ボタンをクリックした後決まります。",
]
FORGED = ConfirmMailForm.base_fields["mail_to"].error_messages["invalid_choice"]


@pytest.fixture
def second(customer, mailbox):
    """The seed's 1.2.4/1.2.5 contract: 01 abcdefg@arrow, 02 k04xm40u@dune, no virus check."""
    return MailboxFactory(
        contract=customer.contract, slot=2, account="k04xm40u", host="dune.example.ne.jp"
    )


def to_confirm(client, url, data, agree=False):
    response = client.post(url, data)
    assert response.status_code == 302, all_errors(response)
    if agree:
        assert client.post(TERMS, {"agree": "1"})["Location"] == CONFIRM
    confirm = client.get(CONFIRM)
    assert confirm.status_code == 200
    return confirm


def charges(response) -> tuple[str, str]:
    root = dom(response)
    return text(by_id(root, "charge-before")), text(by_id(root, "charge-after"))


def acceptance_mails(mailoutbox) -> list:
    return [mail for mail in mailoutbox if "受け付けました" in mail.subject]


# --- the page -----------------------------------------------------------------------------


def test_d4_4_virus_check_only_confirm_page_as_the_seed_shows_it(customer_client, mailbox):
    """1.2.3 ⑥."""
    confirm = to_confirm(customer_client, change_url(1), virus_only(True), agree=True)
    body = page_text(confirm)
    assert "お申込み内容" in body
    assert "■ ウィルスチェックサービスの変更" in body
    assert summary_header(confirm) == ["", "ご利用中の情報", "", "変更後アカウント情報"]
    assert summary_rows(confirm) == [
        ["メールアカウント", ABCDEFG, "→", "変更なし"],
        ["ウィルスチェックサービス", "利用しない", "→", "利用する"],
    ]
    for note in NOTES:
        assert note in body
    assert "申込内容がよろしければ" in body
    assert (
        "上記お申込み内容を確認のためメールにてお知らせいたしますので送信先を指定して下さい。"
        "チェックされたメールアドレスに送信させていただきます。"
    ) in body
    assert "尚、チェックボックスのチェック全てをはずすと、確認のメールは送信されません。" in body
    assert "入力した内容がよろしければ「登録」ボタンをクリックして下さい。" in body
    # 1 address, no check → 1 address, 1 check.
    assert charges(confirm) == ("0円（税込 0円）", "200円（税込 220円）")
    assert checked_values(confirm, "mail_to") == [ABCDEFG]
    buttons = [text(b) for b in find_all(dom(confirm), lambda e: e.name == "button")]
    assert buttons[-1] == "登録"


def test_d4_4_account_and_virus_confirm_with_two_addresses(customer_client, second):
    """1.2.4 ⑦: both current addresses offered, both ticked."""
    confirm = to_confirm(
        customer_client, change_url(2), account_and_virus("opqrstu", True), agree=True
    )
    assert "■ メールアカウント、ウィルスチェックサービスの変更" in page_text(confirm)
    assert summary_rows(confirm) == [
        ["メールアカウント", K04, "→", "opqrstu"],
        ["ウィルスチェックサービス", "利用しない", "→", "利用する"],
    ]
    # 2 addresses (250) → 2 addresses, 1 check (250 + 200).
    assert charges(confirm) == ("250円（税込 275円）", "450円（税込 495円）")
    assert checked_values(confirm, "mail_to") == [ABCDEFG, K04]


def test_d4_4_account_only_confirm_page(customer_client, second):
    """1.2.5 ⑥."""
    confirm = to_confirm(customer_client, change_url(2), account_only("opqrstu"))
    body = page_text(confirm)
    assert "■ メールアカウントの変更" in body
    assert "お客様が入力されたお申込み内容は以下の通りです。" in body
    assert "：お客様" not in body  # defect 9: no stray colon
    assert summary_rows(confirm) == [
        ["メールアカウント", K04, "→", "opqrstu"],
        ["ウィルスチェックサービス", "利用しない", "→", "変更なし"],
    ]
    assert charges(confirm) == ("250円（税込 275円）", "250円（税込 275円）")
    assert checked_values(confirm, "mail_to") == [ABCDEFG, K04]


def test_d4_4_charges_of_a_full_contract_turning_a_check_off(customer_client, customer):
    for slot in range(1, 5):
        MailboxFactory(contract=customer.contract, slot=slot, virus_check=slot <= 2)
    confirm = to_confirm(customer_client, change_url(1), virus_only(False))
    # 4 addresses (450) + 2 checks (400) → 1 check.
    assert charges(confirm) == ("850円（税込 935円）", "650円（税込 715円）")
    assert len(checked_values(confirm, "mail_to")) == 4


def test_d4_4_charge_of_an_add_with_virus_check(customer_client, second):
    confirm = to_confirm(customer_client, add_url(3), add_data("hijklmn", on=True), agree=True)
    assert charges(confirm) == ("250円（税込 275円）", "550円（税込 605円）")


# --- 「登録」 ----------------------------------------------------------------------------


def test_d4_4_register_creates_exactly_one_application_x2(
    customer_client, customer, mailbox, mailoutbox
):
    to_confirm(customer_client, change_url(1), account_and_virus("opqrstu", True), agree=True)
    response = post_confirm(customer_client, {"mail_to": [ABCDEFG]})
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == complete_url(application.pk)
    assert application.kind == "mailbox_change"
    assert application.status == Application.Status.ACCEPTED
    assert application.submitted_by == customer
    assert acceptance_recipients(application) == [ABCDEFG]
    assert application.before == {
        "slot": 1,
        "address": ABCDEFG,
        "virus_check": False,
        "monthly_charge": 0,
    }
    assert application.after == {
        "slot": 1,
        "address": "opqrstu",
        "virus_check": True,
        "monthly_charge": 200,
    }
    assert "newpass345" not in str(application.before) + str(application.after)
    # X2: the same POST again, and a replay, create nothing more.
    assert post_confirm(customer_client, {"mail_to": [ABCDEFG]})["Location"] == LIST
    assert post_confirm(customer_client, {"mail_to": [ABCDEFG]})["Location"] == LIST
    assert Application.objects.count() == 1
    assert MailboxOrder.objects.count() == 1
    # Reloading the completion page is harmless.
    for _ in range(2):
        complete = customer_client.get(complete_url(application.pk))
        assert complete.status_code == 200
        assert application.number in page_text(complete)
    assert Application.objects.count() == 1


def test_x2_a_doubled_click_that_submitted_already_shows_the_completion(
    customer_client, customer, mailbox
):
    """Two clicks read the same draft: the second finds the first's application."""
    to_confirm(customer_client, change_url(1), virus_only(True), agree=True)
    session = customer_client.session
    saved = dict(session["drafts"])
    post_confirm(customer_client, {"mail_to": []})
    first = Application.objects.get()
    # The second click's request still carries the draft (its session was read before).
    session = customer_client.session
    session["drafts"] = saved
    session.save()
    response = post_confirm(customer_client, {"mail_to": []})
    assert response["Location"] == complete_url(first.pk)
    assert Application.objects.count() == 1


@pytest.mark.parametrize("ticked", [[], [ABCDEFG], [K04], [ABCDEFG, K04]])
def test_d4_4_acceptance_mail_goes_to_the_ticked_addresses_only(
    customer_client, customer, second, mailoutbox, django_capture_on_commit_callbacks, ticked
):
    to_confirm(customer_client, change_url(1), account_only("opqrstu"))
    with django_capture_on_commit_callbacks(execute=True):
        post_confirm(customer_client, {"mail_to": ticked})
    application = Application.objects.get()
    assert acceptance_recipients(application) == sorted(ticked)
    mails = acceptance_mails(mailoutbox)
    # One mail per ticked address; none ticked, none sent (D4.4).
    assert sorted(mail.to for mail in mails) == sorted([address] for address in ticked)
    for mail in mails:
        assert application.number in mail.subject
        assert "opqrstu" in mail.body
    # Whatever was ticked, no other address got the acceptance mail.
    assert all(set(mail.to) <= set(ticked) for mail in mails)


@pytest.mark.parametrize(
    "forged",
    [["intruder@example.com"], [ABCDEFG, "intruder@example.com"], ["ABCDEFG@arrow.example.ne.jp"]],
)
def test_d4_4_forged_address_is_refused_beside_the_checkboxes(
    customer_client, mailbox, mailoutbox, django_capture_on_commit_callbacks, forged
):
    to_confirm(customer_client, change_url(1), virus_only(True), agree=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_confirm(customer_client, {"mail_to": forged})
    assert response.status_code == 200
    assert errors_beside(response, "mail_to") == [FORGED]
    assert "intruder" not in text(by_id(dom(response), "mail-to-errors"))
    assert not Application.objects.exists()
    assert not MailboxOrder.objects.exists()
    assert mailoutbox == []
    # The draft is kept: a correct choice then goes through.
    post_confirm(customer_client, {"mail_to": [ABCDEFG]})
    assert Application.objects.count() == 1


def test_x1_nothing_is_changed_before_register(customer_client, customer, mailbox, mailoutbox):
    to_confirm(customer_client, change_url(1), account_and_virus("opqrstu", True), agree=True)
    assert not Application.objects.exists()
    assert not MailboxOrder.objects.exists()
    assert set(AccountName.objects.values_list("name", flat=True)) == {"abcdefg"}
    mailbox.refresh_from_db()
    assert (mailbox.account, mailbox.virus_check) == ("abcdefg", False)
    assert list(VirtualUser.objects.values_list("email", flat=True)) == [ABCDEFG]
    assert mailoutbox == []


# --- X1 「戻る」 -------------------------------------------------------------------------


def back_link(confirm) -> str:
    links = {text(a): attr(a, "href") for a in find_all(dom(confirm), lambda e: e.name == "a")}
    return links["◀ 戻る"]


@pytest.mark.parametrize(
    ("data", "kept"),
    [
        (account_and_virus("opqrstu", True), {"both-account": "opqrstu"}),
        (account_only("opqrstu"), {"account-account": "opqrstu"}),
        (virus_only(True), {}),
    ],
    ids=["both", "account", "virus"],
)
def test_x1_back_returns_to_the_change_input_with_values_but_no_password(
    customer_client, mailbox, data, kept
):
    agree = data["pattern"] != "account"
    confirm = to_confirm(customer_client, change_url(1), data, agree=agree)
    assert back_link(confirm) == change_url(1)
    page = customer_client.get(change_url(1))
    assert checked_values(page, "pattern") == [data["pattern"]]
    for name, value in kept.items():
        assert value_of(page, name) == value
    virus = {key: value for key, value in data.items() if key.endswith("virus_check")}
    for name, value in virus.items():
        assert checked_values(page, name) == [value]
    for key in ("both", "account"):
        assert value_of(page, f"{key}-password") is None
        assert value_of(page, f"{key}-password_confirm") is None
    assert "newpass345" not in page.content.decode()
    assert not Application.objects.exists()


def test_x1_back_returns_to_the_add_input_with_values_but_no_password(customer_client):
    confirm = to_confirm(customer_client, add_url(2), add_data("hijklmn", on=True), agree=True)
    assert back_link(confirm) == add_url(2)
    page = customer_client.get(add_url(2))
    assert value_of(page, "account") == "hijklmn"
    assert checked_values(page, "virus_check") == ["1"]
    assert value_of(page, "password") is None
    assert value_of(page, "password_confirm") is None
    # Another slot's input starts empty.
    assert value_of(customer_client.get(add_url(3)), "account") is None


def test_x1_corrected_input_replaces_the_draft(customer_client, mailbox):
    to_confirm(customer_client, change_url(1), account_only("opqrstu"))
    confirm = to_confirm(customer_client, change_url(1), account_only("vwxyz12"))
    assert summary_rows(confirm)[0][-1] == "vwxyz12"
    post_confirm(customer_client, {"mail_to": []})
    assert MailboxOrder.objects.get().account == "vwxyz12"


# --- D4.9 re-validation on the confirm step -----------------------------------------------


@pytest.mark.parametrize("how", ["mailbox", "pending"])
def test_d4_9_name_taken_meanwhile_is_shown_beside_the_account_on_confirm(
    customer_client, mailbox, other_customer, mailoutbox, how
):
    to_confirm(customer_client, change_url(1), account_and_virus("opqrstu", True), agree=True)
    # Another contract takes the name between the input and the confirm step.
    if how == "mailbox":
        MailboxFactory(contract=other_customer.contract, slot=1, account="opqrstu")
    else:
        submit(other_customer, 1, "add", account="opqrstu")
    others = Application.objects.count()

    confirm = customer_client.get(CONFIRM)
    account_errors = by_id(dom(confirm), "account-errors")
    assert text(account_errors) == ACCOUNT_MESSAGES["taken"]
    # Beside the account row of the table, not elsewhere.
    assert summary_rows(confirm)[0] == [
        "メールアカウント",
        ABCDEFG,
        "→",
        f"opqrstu {ACCOUNT_MESSAGES['taken']}",
    ]
    register = [
        b for b in find_all(dom(confirm), lambda e: e.name == "button") if text(b) == "登録"
    ]
    assert any(key == "disabled" for key, _ in register[0].attributes)

    response = post_confirm(customer_client, {"mail_to": [ABCDEFG]})
    assert response.status_code == 200
    assert text(by_id(dom(response), "account-errors")) == ACCOUNT_MESSAGES["taken"]
    assert Application.objects.count() == others
    assert not MailboxOrder.objects.filter(contract=mailbox.contract).exists()
    assert mailoutbox == []
    # The way back to the input is offered.
    links = [
        attr(a, "href")
        for a in find_all(by_id(dom(response), "confirm-error"), lambda e: e.name == "a")
    ]
    assert links == [change_url(1)]


def test_d4_9_name_taken_on_add_is_shown_beside_the_account_on_confirm(
    customer_client, other_customer
):
    to_confirm(customer_client, add_url(1), add_data("hijklmn"))
    MailboxFactory(contract=other_customer.contract, slot=1, account="hijklmn")
    response = post_confirm(customer_client)
    assert text(by_id(dom(response), "account-errors")) == ACCOUNT_MESSAGES["taken"]
    assert summary_rows(response)[0] == ["メールアカウント", f"hijklmn {ACCOUNT_MESSAGES['taken']}"]
    assert Application.objects.count() == 0
    assert set(Mailbox.objects.values_list("account", flat=True)) == {"hijklmn"}


def test_d4_4_slot_changed_meanwhile_is_refused_on_confirm(customer_client, customer, mailbox):
    """The slot got another pending application (another browser) after the input step."""
    to_confirm(customer_client, change_url(1), account_only("opqrstu"))
    submit(customer, 1, "change", virus_check=True)
    response = post_confirm(customer_client, {"mail_to": []})
    assert response.status_code == 200
    assert "このメールアカウントはお申込み処理中です。" in " ".join(
        text(p) for p in find_all(by_id(dom(response), "confirm-error"), lambda e: e.name == "p")
    )
    assert Application.objects.count() == 1
    assert not AccountName.objects.filter(name="opqrstu").exists()


def test_d4_4_confirm_without_a_draft_goes_to_the_list(customer_client, mailbox):
    assert customer_client.get(CONFIRM)["Location"] == LIST
    assert post_confirm(customer_client, {"mail_to": [ABCDEFG]})["Location"] == LIST
    assert not Application.objects.exists()
