"""D4.1 the four-slot list, D4.11 the paper-application lock, D4.12 the mail password link."""

import pytest
from django.urls import reverse

from madoguchi.applications.eligibility import PAPER_APPLICATION
from madoguchi.applications.models import Application
from madoguchi.applications.services import claim_application
from madoguchi.contracts.models import Contract
from madoguchi.contracts.tests.pages import JAPANESE, attr, dom, find_all, page_text, text
from madoguchi.mailboxes.models import AccountName, Mailbox, MailboxOrder
from madoguchi.mailboxes.tests.desk_pages import (
    CONFIRM,
    LIST,
    TERMS,
    account_and_virus,
    add_data,
    add_url,
    alerts,
    cancel_url,
    change_url,
    delete_url,
    slot_rows,
    steps,
    virus_only,
)
from madoguchi.mailboxes.tests.factories import MailboxFactory, submit

pytestmark = pytest.mark.django_db

ADD, CHANGE, DELETE = (MailboxOrder.Action.ADD, MailboxOrder.Action.CHANGE, "delete")
CAUTION = (
    "◆ 現在申込書によりすでに各種変更のお申込みをされている場合、"
    "本ホームページで変更申込みができない場合があります。"
)
# The seed's texts of the list (1.2.2 ②, 1.2.6 ②), the price table included.
SEED_TEXTS = [
    "お申込み内容入力",
    "■追加・変更・削除の申込み",
    "最大4個までのメールアカウントをご利用いただけます。",
    "申込書等にご記入いただく個人情報の取り扱いについては",
    "なお、弊社のプライバシーポリシーに同意の上個人情報をご提供頂けない場合には、"
    "通信サービス等を提供させていただくことができませんので、"
    "ご了承くださいますようお願い申し上げます。",
    "お申込み処理中のメールアカウント及びウィルスチェックサービスはキャンセル（取消し）を行えます。",
    "・複数のメールアカウントをお申込みになる場合、"
    "ご利用追加メールアカウント数により以下の料金が適用されます。",
    "複数メールアドレス2 【月額使用料金】 250円（税込 275円）",
    "基本メールアドレスに加えてもうひとつの追加メールアドレスがご利用いただけます。",
    "（追加1メールアドレスあたり、250円（税込 275円）！）",
    "複数メールアドレス3 【月額使用料金】 350円（税込 385円）",
    "基本メールアドレスに加えて2つの追加メールアドレスをご利用いただけます。",
    "（追加1メールアドレスあたり、175円（税込 192.5円）！）",
    "複数メールアドレス4 【月額使用料金】 450円（税込 495円）",
    "基本メールアドレスに加えて3つの追加メールアドレスをご利用いただけます。",
    "（追加1メールアドレスあたり、150円（税込 165円）！）",
    "・ウィルスチェックサービスは、1個につき200円（税込 220円）／月額がかかります。",
    "◀ 戻る",
]


def table_header(response) -> list[str]:
    table = find_all(dom(response), lambda e: attr(e, "id") == "slots")[0]
    return [text(th) for th in find_all(table, lambda e: e.name == "th")]


def test_d4_1_list_has_the_seeds_texts_and_price_table(customer_client):
    response = customer_client.get(LIST)
    assert response.status_code == 200
    body = page_text(response)
    for seed_text in SEED_TEXTS:
        assert seed_text in body, seed_text
    assert CAUTION in body
    assert table_header(response) == [
        "No.",
        "メールアカウント",
        "ウィルス チェック サービス",
        "お申込み状況",
        "お申込み",
    ]
    assert steps(response) == (["STEP1", "STEP2", "STEP3", "完了"], "STEP1")


def test_d4_1_empty_contract_has_four_addable_slots(customer_client):
    rows = slot_rows(customer_client.get(LIST))
    assert [row["no"] for row in rows] == ["01", "02", "03", "04"]
    for number, row in enumerate(rows, start=1):
        assert row["account"] == row["virus"] == "—"
        assert row["state"] == "追加可能"
        assert row["buttons"] == ["追加"]
        assert row["hrefs"] == [add_url(number)]


def test_d4_1_every_state_with_its_buttons(customer_client, customer, mailbox):
    """変更・削除可能 (with and without virus check), お申込み処理中 (キャンセル), 追加可能."""
    MailboxFactory(contract=customer.contract, slot=2, account="k04xm40u", virus_check=True)
    MailboxFactory(
        contract=customer.contract, slot=3, account="changing", host="dune.example.ne.jp"
    )
    change = submit(customer, 3, CHANGE, virus_check=True)
    add = submit(customer, 4, ADD, account="newbox", virus_check=False)

    rows = slot_rows(customer_client.get(LIST))

    assert rows == [
        {
            "no": "01",
            "account": "abcdefg@arrow.example.ne.jp",
            "virus": "利用しない",
            "state": "変更・削除可能",
            "buttons": ["変更", "削除"],
            "hrefs": [change_url(1), delete_url(1)],
        },
        {
            "no": "02",
            "account": "k04xm40u@arrow.example.ne.jp",
            "virus": "利用する",
            "state": "変更・削除可能",
            "buttons": ["変更", "削除"],
            "hrefs": [change_url(2), delete_url(2)],
        },
        {
            "no": "03",
            "account": "changing@dune.example.ne.jp",
            "virus": "利用しない",
            "state": "お申込み処理中",
            "buttons": ["キャンセル"],
            "hrefs": [cancel_url(3)],
        },
        {
            "no": "04",
            "account": "—",
            "virus": "—",
            "state": "お申込み処理中",
            "buttons": ["キャンセル"],
            "hrefs": [cancel_url(4)],
        },
    ]
    assert change.status == add.status == Application.Status.ACCEPTED


def test_d4_1_application_being_processed_has_no_cancel_button(customer_client, customer, mailbox):
    application = submit(customer, 1, CHANGE, virus_check=True)
    assert claim_application(application.pk) is not None  # a worker has started it

    row = slot_rows(customer_client.get(LIST))[0]

    assert row["state"] == "お申込み処理中"
    assert row["buttons"] == []


def test_d4_1_each_contract_sees_only_its_own_slots(client, customer, other_customer, mailbox):
    MailboxFactory(contract=other_customer.contract, slot=2, account="othersbox")
    client.force_login(other_customer)
    response = client.get(LIST)
    rows = slot_rows(response)
    assert [row["state"] for row in rows] == ["追加可能", "変更・削除可能", "追加可能", "追加可能"]
    assert rows[1]["account"] == "othersbox@arrow.example.ne.jp"
    assert "abcdefg" not in response.content.decode()


@pytest.mark.parametrize("filled", [False, True], ids=["empty", "four_slots_all_pending"])
def test_d4_1_list_queries_do_not_grow_with_mailboxes_or_applications(
    customer_client, customer, filled, django_assert_num_queries
):
    """No N+1: session, user, contract, mailboxes, pending orders (with their applications),
    and the session save (savepoint, update, release) — 0 or 4 mailboxes and applications."""
    if filled:
        for slot in (1, 2):
            MailboxFactory(contract=customer.contract, slot=slot, provisioned=False)
            submit(customer, slot, CHANGE, virus_check=True)
        for slot in (3, 4):
            submit(customer, slot, ADD, account=f"pending{slot}", virus_check=False)
    with django_assert_num_queries(8):
        response = customer_client.get(LIST)
    states = [row["state"] for row in slot_rows(response)]
    assert states == (["お申込み処理中"] * 4 if filled else ["追加可能"] * 4)


def test_d4_1_four_mailboxes_fill_every_slot(
    customer_client, customer, django_assert_max_num_queries
):
    for slot in range(1, 5):
        MailboxFactory(contract=customer.contract, slot=slot, virus_check=slot % 2 == 0)
    with django_assert_max_num_queries(8):
        rows = slot_rows(customer_client.get(LIST))
    assert [row["state"] for row in rows] == ["変更・削除可能"] * 4
    assert [row["virus"] for row in rows] == ["利用しない", "利用する", "利用しない", "利用する"]
    assert all(row["buttons"] == ["変更", "削除"] for row in rows)


# --- D4.12 --------------------------------------------------------------------------------


def test_d4_12_list_links_to_the_mail_password_change_page(customer_client, settings):
    settings.MAIL_PASSWORD_CHANGE_URL = "https://support.example.ne.jp/mail/pw-change/"
    response = customer_client.get(LIST)
    note = find_all(dom(response), lambda e: attr(e, "id") == "mail-password-link")[0]
    assert "メールパスワードの変更はカスタマサポートデスクではできません。" in text(note)
    links = [attr(a, "href") for a in find_all(note, lambda e: e.name == "a")]
    assert links == ["https://support.example.ne.jp/mail/pw-change/"]


# --- D4.11 --------------------------------------------------------------------------------


@pytest.fixture
def paper(customer):
    """An operator marked the contract 「申込書による変更手続き中」."""

    def mark():
        Contract.objects.filter(pk=customer.contract_id).update(paper_application_in_progress=True)

    return mark


def test_d4_11_paper_application_list_shows_the_caution_and_only_cancel(
    customer_client, customer, mailbox, paper
):
    submit(customer, 2, ADD, account="pending2")
    paper()

    response = customer_client.get(LIST)

    assert response.status_code == 200
    assert CAUTION in page_text(response)
    assert PAPER_APPLICATION in alerts(response)
    assert JAPANESE.search(PAPER_APPLICATION)
    rows = slot_rows(response)
    # The states say no application can be made online now (not 「変更・削除可能」).
    assert [row["state"] for row in rows] == [
        "オンラインでのお申込み不可",
        "お申込み処理中",
        "オンラインでのお申込み不可",
        "オンラインでのお申込み不可",
    ]
    # New applications are refused; withdrawing the pending one stays possible (D4.7).
    assert [row["buttons"] for row in rows] == [[], ["キャンセル"], [], []]
    # The list itself still shows what the contract has, and the mail password link.
    assert rows[0]["account"] == "abcdefg@arrow.example.ne.jp"


def input_requests(pending_slot: int):
    """Every page that leads to or makes an application, with a valid request for each."""
    return [
        ("get", change_url(1), None),
        ("post", change_url(1), virus_only(True)),
        ("post", change_url(1), account_and_virus("opqrstu", True)),
        ("get", add_url(3), None),
        ("post", add_url(3), add_data("k04xm40u", on=True)),
        ("get", delete_url(1), None),
        ("get", TERMS, None),
        ("post", TERMS, {"agree": "1"}),
        ("get", CONFIRM, None),
        ("post", CONFIRM, {"mail_to": ["abcdefg@arrow.example.ne.jp"]}),
    ]


def test_d4_11_paper_application_every_input_url_refuses_and_nothing_is_stored(
    customer_client, customer, mailbox, paper
):
    pending = submit(customer, 2, ADD, account="pending2")
    # A draft made before the operator set the flag must not go through either.
    customer_client.post(change_url(1), virus_only(True))
    customer_client.post(TERMS, {"agree": "1"})
    paper()

    for method, url, data in input_requests(pending_slot=2):
        response = (
            getattr(customer_client, method)(url, data)
            if data
            else getattr(customer_client, method)(url)
        )
        assert response.status_code == 403, (method, url, response.status_code)
        assert PAPER_APPLICATION in response.content.decode(), (method, url)

    assert list(Application.objects.all()) == [pending]
    pending.refresh_from_db()
    assert pending.status == Application.Status.ACCEPTED
    assert MailboxOrder.objects.count() == 1
    assert set(AccountName.objects.values_list("name", flat=True)) == {"abcdefg", "pending2"}
    mailbox.refresh_from_db()
    assert mailbox.virus_check is False
    assert Mailbox.objects.count() == 1


def test_d4_11_d4_7_paper_application_still_lets_the_customer_cancel_a_pending_one(
    customer_client, customer, mailbox, paper
):
    pending = submit(customer, 2, ADD, account="pending2")
    paper()
    assert customer_client.get(cancel_url(2)).status_code == 200
    customer_client.post(cancel_url(2))
    pending.refresh_from_db()
    assert pending.status == Application.Status.CANCELLED
    assert not AccountName.objects.filter(name="pending2").exists()


def test_d4_11_flag_cleared_lets_the_customer_apply_again(customer_client, customer, mailbox):
    Contract.objects.filter(pk=customer.contract_id).update(paper_application_in_progress=True)
    assert customer_client.get(change_url(1)).status_code == 403
    Contract.objects.filter(pk=customer.contract_id).update(paper_application_in_progress=False)
    assert customer_client.get(change_url(1)).status_code == 200
    assert slot_rows(customer_client.get(LIST))[0]["buttons"] == ["変更", "削除"]


def test_d4_1_list_is_linked_from_the_menu_and_links_back_to_the_status_page(customer_client):
    response = customer_client.get(LIST)
    hrefs = [attr(a, "href") for a in find_all(dom(response), lambda e: e.name == "a")]
    assert reverse("desk:status") in hrefs


# --- D2.2: the usage-status page shows the accounts, their charge and pending applications --


def status_table(response, table_id: str) -> list[list[str]]:
    table = find_all(dom(response), lambda e: attr(e, "id") == table_id)[0]
    rows = find_all(table, lambda e: e.name == "tr")[1:]
    return [[text(cell) for cell in row.children] for row in rows]


def test_d2_2_status_page_lists_mail_accounts_charge_and_pending_applications(
    customer_client, customer, mailbox
):
    MailboxFactory(contract=customer.contract, slot=2, account="k04xm40u", virus_check=True)
    application = submit(customer, 3, ADD, account="hijklmn", virus_check=True)
    response = customer_client.get(reverse("desk:status"))
    assert status_table(response, "options") == [
        ["01", "abcdefg@arrow.example.ne.jp", "利用しない"],
        ["02", "k04xm40u@arrow.example.ne.jp", "利用する"],
    ]
    # 2 addresses (250) + 1 virus check (200): the charge in use, not the one applied for.
    charge = find_all(dom(response), lambda e: attr(e, "id") == "options-charge")[0]
    assert text(charge) == "450円（税込 495円）"
    assert [[row[0], *row[2:]] for row in status_table(response, "in-progress")] == [
        [application.number, "メールアカウント追加", "受付"]
    ]
    claim_application(application.pk)
    response = customer_client.get(reverse("desk:status"))
    assert status_table(response, "in-progress")[0][3] == "処理中"
