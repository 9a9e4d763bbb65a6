"""D4.2 the change page with its three patterns; D4.9 each rule's message on the change page."""

import pytest

from madoguchi.applications.models import Application
from madoguchi.contracts.tests.pages import attr, by_id, dom, find_all, page_text, text
from madoguchi.mailboxes.forms import (
    PATTERN_REQUIRED,
    SAME_ACCOUNT,
    SAME_VIRUS_CHECK,
    VIRUS_REQUIRED,
)
from madoguchi.mailboxes.models import AccountName, MailboxOrder
from madoguchi.mailboxes.rules import ACCOUNT_MESSAGES, PASSWORD_MESSAGES
from madoguchi.mailboxes.tests.desk_pages import (
    CONFIRM,
    LIST,
    NEW_PASSWORD,
    PATTERN_LABELS,
    TERMS,
    account_and_virus,
    account_only,
    all_errors,
    change_data,
    change_url,
    checked_values,
    errors_beside,
    pattern_errors,
    post_confirm,
    steps,
    summary_rows,
    value_of,
    virus_only,
)
from madoguchi.mailboxes.tests.factories import MailboxFactory, submit
from madoguchi.mailboxes.views import FLOW

pytestmark = pytest.mark.django_db

GARBAGE = "<script>alert(1)</script>" + "あ" * 10_000


def draft(client) -> dict | None:
    request = type("Request", (), {"session": client.session})()
    return FLOW.load(request)


def nothing_stored(client, names=("abcdefg",)):
    assert not Application.objects.exists()
    assert not MailboxOrder.objects.exists()
    assert set(AccountName.objects.values_list("name", flat=True)) == set(names)
    assert draft(client) is None


def test_d4_2_change_page_shows_current_usage_and_three_patterns(customer_client, mailbox):
    response = customer_client.get(change_url(1))
    assert response.status_code == 200
    current = by_id(dom(response), "current")
    assert [text(row) for row in find_all(current, lambda e: e.name == "tr")] == [
        "メールアカウント abcdefg@arrow.example.ne.jp",
        "ウィルスチェックサービス 利用しない",
    ]
    body = page_text(response)
    assert "現在のご利用状況" in body
    assert (
        "下記の3つの申込みのパターンから1つを選択し、"
        "選択した申込みパターンの申込み内容を入力して下さい。"
    ) in body
    assert (
        "既にお持ちのメールアドレスにウィルスチェックサービスを追加する場合は、"
        "こちらにチェックして、次へ進んでください。"
    ) in body
    assert "入力した内容がよろしければ「次へ」ボタンをクリックして下さい。" in body
    for key, label in PATTERN_LABELS.items():
        legend = find_all(by_id(dom(response), f"pattern-{key}"), lambda e: e.name == "legend")
        assert text(legend[0]) == f"←{label}"
    # No pattern is chosen before the customer chooses one.
    assert checked_values(response, "pattern") == []
    # The pattern fields, each pattern's own.
    names = {
        attr(e, "name")
        for e in find_all(dom(response), lambda e: e.name == "input")
        if attr(e, "name")
    }
    assert names >= {
        "pattern",
        "virus-virus_check",
        "both-account",
        "both-password",
        "both-password_confirm",
        "both-virus_check",
        "account-account",
        "account-password",
        "account-password_confirm",
    }
    assert steps(response) == (["STEP1", "STEP2", "STEP3", "完了"], "STEP2")


def test_d4_2_virus_radios_start_at_what_a_change_would_mean(customer_client, customer):
    MailboxFactory(contract=customer.contract, slot=1, virus_check=False)
    MailboxFactory(contract=customer.contract, slot=2, virus_check=True)
    off = customer_client.get(change_url(1))
    assert checked_values(off, "virus-virus_check") == ["1"]
    assert checked_values(off, "both-virus_check") == ["0"]
    on = customer_client.get(change_url(2))
    assert checked_values(on, "virus-virus_check") == ["0"]
    assert checked_values(on, "both-virus_check") == ["1"]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("virus", {"virus-virus_check": [VIRUS_REQUIRED]}),
        (
            "both",
            {
                "both-account": ["メールアカウントを入力してください。"],
                "both-password": ["メールパスワードを入力してください。"],
                "both-password_confirm": ["メールパスワード(確認の為再入力)を入力してください。"],
                "both-virus_check": [VIRUS_REQUIRED],
            },
        ),
        (
            "account",
            {
                "account-account": ["メールアカウントを入力してください。"],
                "account-password": ["メールパスワードを入力してください。"],
                "account-password_confirm": [
                    "メールパスワード(確認の為再入力)を入力してください。"
                ],
            },
        ),
    ],
)
def test_d4_2_pattern_chosen_with_its_fields_empty_gets_messages_beside_them(
    customer_client, mailbox, pattern, expected
):
    response = customer_client.post(change_url(1), {"pattern": pattern})
    assert response.status_code == 200
    for name, messages in expected.items():
        assert errors_beside(response, name) == messages, name
    # Only the chosen pattern's fields have messages; the pattern stays chosen.
    assert sorted(all_errors(response)) == sorted(m for ms in expected.values() for m in ms)
    assert checked_values(response, "pattern") == [pattern]
    nothing_stored(customer_client)


@pytest.mark.parametrize("pattern", ["", "evil", "virus both", "<script>"])
def test_d4_2_no_pattern_chosen_gets_a_message_and_reads_no_field(
    customer_client, mailbox, pattern
):
    data = {
        **virus_only(True),
        **account_and_virus("opqrstu", True),
        **account_only("hijklmn"),
    }
    if pattern:
        data["pattern"] = pattern
    else:
        del data["pattern"]
    response = customer_client.post(change_url(1), data)
    assert response.status_code == 200
    assert pattern_errors(response) == [PATTERN_REQUIRED]
    assert all_errors(response) == [PATTERN_REQUIRED]  # no pattern's fields were validated
    assert "<script>" not in response.content.decode()
    # What was typed is shown again for ticking the forgotten pattern; passwords are not.
    assert value_of(response, "both-account") == "opqrstu"
    assert value_of(response, "account-account") == "hijklmn"
    assert checked_values(response, "virus-virus_check") == ["1"]
    assert value_of(response, "both-password") is None
    assert value_of(response, "account-password_confirm") is None
    assert checked_values(response, "pattern") == []
    nothing_stored(customer_client)


def test_d4_2_empty_post_gets_the_pattern_message(customer_client, mailbox):
    response = customer_client.post(change_url(1))
    assert response.status_code == 200
    assert pattern_errors(response) == [PATTERN_REQUIRED]
    nothing_stored(customer_client)


def garbage_in(*patterns: str) -> dict:
    """Autofill-like garbage in every field of ``patterns``: rule-breaking, huge, mismatched."""
    fields = {
        "virus": {"virus-virus_check": GARBAGE},
        "both": {
            "both-account": "ROOT..",
            "both-password": GARBAGE,
            "both-password_confirm": "other",
            "both-virus_check": "maybe",
        },
        "account": {
            "account-account": GARBAGE,
            "account-password": "x",
            "account-password_confirm": GARBAGE,
        },
    }
    return {name: value for pattern in patterns for name, value in fields[pattern].items()}


def test_d4_2_virus_only_ignores_the_other_patterns_fields(customer_client, customer, mailbox):
    data = {**garbage_in("both", "account"), **virus_only(True)}
    response = customer_client.post(change_url(1), data)
    assert response.status_code == 302
    assert response["Location"] == TERMS
    saved = draft(customer_client)
    assert saved["pattern"] == "virus"
    assert saved["account"] == "" and saved["password_hash"] == ""
    assert saved["virus_check"] is True
    assert "ROOT" not in str(saved) and GARBAGE[:30] not in str(saved)
    customer_client.post(TERMS, {"agree": "1"})
    confirm = customer_client.get(CONFIRM)
    assert summary_rows(confirm) == [
        ["メールアカウント", "abcdefg@arrow.example.ne.jp", "→", "変更なし"],
        ["ウィルスチェックサービス", "利用しない", "→", "利用する"],
    ]
    post_confirm(customer_client, {"mail_to": []})
    application = Application.objects.get()
    order = MailboxOrder.objects.get()
    assert (order.account, order.virus_check, order.password_hash) == ("", True, "")
    assert "ROOT" not in str(application.after) and "あああ" not in str(application.after)
    assert set(AccountName.objects.values_list("name", flat=True)) == {"abcdefg"}


def test_d4_2_account_only_ignores_the_other_patterns_fields(customer_client, mailbox):
    data = {**garbage_in("virus", "both"), **account_only("opqrstu")}
    response = customer_client.post(change_url(1), data)
    assert response.status_code == 302
    assert response["Location"] == CONFIRM  # no virus check turned on: no terms step
    saved = draft(customer_client)
    assert (saved["pattern"], saved["account"], saved["virus_check"]) == (
        "account",
        "opqrstu",
        None,
    )
    post_confirm(customer_client, {"mail_to": []})
    order = MailboxOrder.objects.get()
    assert (order.account, order.virus_check) == ("opqrstu", None)
    assert order.password_hash.startswith("{ARGON2ID}")
    application = Application.objects.get()
    assert "virus_check" not in application.after
    assert (
        dict((label, after) for label, _, after in application.rows)["ウィルスチェックサービス"]
        == "変更なし"
    )


def test_d4_2_account_and_virus_ignores_the_other_patterns_fields(customer_client, mailbox):
    data = {**garbage_in("virus", "account"), **account_and_virus("opqrstu", False)}
    response = customer_client.post(change_url(1), data)
    assert response.status_code == 302
    saved = draft(customer_client)
    assert (saved["pattern"], saved["account"]) == ("both", "opqrstu")
    assert GARBAGE[:30] not in str(saved)


def test_d4_2_bad_fields_of_the_chosen_pattern_are_reported_and_others_stay_silent(
    customer_client, mailbox
):
    data = {**garbage_in("virus", "account"), **account_and_virus("Opq", True, password="short")}
    response = customer_client.post(change_url(1), data)
    assert response.status_code == 200
    assert errors_beside(response, "both-account")
    assert errors_beside(response, "both-password")
    assert errors_beside(response, "virus-virus_check") == []
    assert errors_beside(response, "account-account") == []
    assert errors_beside(response, "account-password_confirm") == []
    assert GARBAGE[:40] not in response.content.decode()  # the ignored fields are not echoed
    nothing_stored(customer_client)


def test_d4_2_pattern_a_with_the_current_value_is_refused(customer_client, mailbox):
    response = customer_client.post(change_url(1), virus_only(False))
    assert response.status_code == 200
    assert errors_beside(response, "virus-virus_check") == [SAME_VIRUS_CHECK]
    nothing_stored(customer_client)


@pytest.mark.parametrize(
    "data",
    [account_and_virus("abcdefg", True), account_only("abcdefg")],
    ids=["both", "account"],
)
def test_d4_2_new_account_equal_to_the_current_one_is_refused(customer_client, mailbox, data):
    response = customer_client.post(change_url(1), data)
    key = data["pattern"]
    assert errors_beside(response, f"{key}-account") == [SAME_ACCOUNT]
    nothing_stored(customer_client)


def test_d4_2_pattern_b_keeping_the_virus_check_shows_unchanged(customer_client, customer):
    MailboxFactory(contract=customer.contract, slot=1, account="abcdefg", virus_check=True)
    response = customer_client.post(change_url(1), account_and_virus("opqrstu", True))
    assert response["Location"] == CONFIRM  # not being turned on: no terms
    assert summary_rows(customer_client.get(CONFIRM)) == [
        ["メールアカウント", "abcdefg@arrow.example.ne.jp", "→", "opqrstu"],
        ["ウィルスチェックサービス", "利用する", "→", "変更なし"],
    ]


def test_d4_2_change_of_an_empty_or_pending_slot_goes_back_to_the_list(customer_client, customer):
    assert customer_client.get(change_url(2))["Location"] == LIST
    assert customer_client.post(change_url(2), virus_only(True))["Location"] == LIST
    MailboxFactory(contract=customer.contract, slot=3, account="pendingbox")
    submit(customer, 3, "change", virus_check=True)
    assert customer_client.get(change_url(3))["Location"] == LIST
    assert customer_client.post(change_url(3), account_only("opqrstu"))["Location"] == LIST
    assert Application.objects.count() == 1
    assert draft(customer_client) is None


def test_d4_2_change_page_has_the_characters_link(customer_client, mailbox):
    response = customer_client.get(change_url(1))
    links = {text(a): attr(a, "href") for a in find_all(dom(response), lambda e: e.name == "a")}
    assert (
        links["メールアカウントとメールパスワードに利用できる文字一覧"] == "/desk/mail/characters/"
    )
    assert links["◀ 戻る"] == LIST


# --- D4.9 on the change page: each rule's message beside its field ------------------------

ACCOUNT_CASES = {
    "ab": ACCOUNT_MESSAGES["length"],
    "a" * 33: ACCOUNT_MESSAGES["length"],
    "Abcdef": ACCOUNT_MESSAGES["characters"],
    "1abcdef": ACCOUNT_MESSAGES["first"],
    "abc..def": ACCOUNT_MESSAGES["dots"],
    "abcdef.": ACCOUNT_MESSAGES["last_dot"],
    "postmaster": ACCOUNT_MESSAGES["reserved"],
    "taken": ACCOUNT_MESSAGES["taken"],  # another contract's mailbox
    "held": ACCOUNT_MESSAGES["taken"],  # another contract's pending application
}
PASSWORD_CASES = {
    "abc1": PASSWORD_MESSAGES["length"],
    "abcdefgh1234567890": PASSWORD_MESSAGES["length"],
    "abcd 1234": PASSWORD_MESSAGES["characters"],
    "abcdefgh": PASSWORD_MESSAGES["composition"],
    "12345678": PASSWORD_MESSAGES["composition"],
}


@pytest.fixture
def names_in_use(other_customer):
    MailboxFactory(contract=other_customer.contract, slot=1, account="taken")
    submit(other_customer, 2, "add", account="held")


@pytest.mark.parametrize("pattern", ["both", "account"])
@pytest.mark.parametrize(("account", "message"), ACCOUNT_CASES.items())
def test_d4_9_account_rule_message_beside_the_account_on_the_change_page(
    customer_client, mailbox, names_in_use, pattern, account, message
):
    data = account_and_virus(account, True) if pattern == "both" else account_only(account)
    response = customer_client.post(change_url(1), data)
    assert response.status_code == 200
    errors = errors_beside(response, f"{pattern}-account")
    assert message in errors
    assert all_errors(response) == errors  # nothing else is wrong
    kept = [
        attr(e, "value")
        for e in find_all(dom(response), lambda e: attr(e, "name") == f"{pattern}-account")
    ]
    assert kept == [account]  # kept for correcting
    assert Application.objects.count() == 1  # only the other contract's
    assert draft(customer_client) is None


@pytest.mark.parametrize("pattern", ["both", "account"])
@pytest.mark.parametrize(("password", "message"), PASSWORD_CASES.items())
def test_d4_9_password_rule_message_beside_the_password_on_the_change_page(
    customer_client, mailbox, pattern, password, message
):
    data = (
        account_and_virus("opqrstu", True, password=password)
        if pattern == "both"
        else account_only("opqrstu", password=password)
    )
    response = customer_client.post(change_url(1), data)
    assert message in errors_beside(response, f"{pattern}-password")
    assert errors_beside(response, f"{pattern}-account") == []
    nothing_stored(customer_client)


@pytest.mark.parametrize("pattern", ["both", "account"])
def test_d4_9_password_mismatch_beside_the_confirmation(customer_client, mailbox, pattern):
    data = change_data(
        pattern,
        **{
            f"{pattern}__account": "opqrstu",
            f"{pattern}__password": NEW_PASSWORD,
            f"{pattern}__password_confirm": NEW_PASSWORD + "x",
            f"{pattern}__virus_check": "1",
        },
    )
    response = customer_client.post(change_url(1), data)
    assert errors_beside(response, f"{pattern}-password_confirm") == [PASSWORD_MESSAGES["mismatch"]]
    assert errors_beside(response, f"{pattern}-password") == []
    nothing_stored(customer_client)
