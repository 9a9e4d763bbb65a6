"""D4.4–D4.10, P2, X3: submitting and processing add, change and delete of a mail account."""

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError

from madoguchi.applications.models import Application
from madoguchi.audit.models import AuditEntry
from madoguchi.contracts.tests.factories import DeskUserFactory
from madoguchi.mailboxes import services
from madoguchi.mailboxes.models import AccountName, Mailbox, MailboxOrder
from madoguchi.mailboxes.tests.factories import (
    MAIL_PASSWORD,
    NEW_MAIL_PASSWORD,
    MailboxFactory,
    submit,
)
from madoguchi.provisioning.models import VirtualUser

pytestmark = pytest.mark.django_db

ADD, CHANGE, DELETE = (MailboxOrder.Action.ADD, MailboxOrder.Action.CHANGE, "delete")
ARROW, DUNE = "arrow.example.ne.jp", "dune.example.ne.jp"


def verifies(stored: str, password: str) -> bool:
    """P2: the stored value is a Dovecot {ARGON2ID} hash of the password."""
    assert stored.startswith("{ARGON2ID}$argon2id$"), stored
    try:
        return PasswordHasher().verify(stored.removeprefix("{ARGON2ID}"), password)
    except VerifyMismatchError:
        return False


def names() -> set[str]:
    return set(AccountName.objects.values_list("name", flat=True))


def p2_rows() -> dict[str, VirtualUser]:
    return {row.email: row for row in VirtualUser.objects.select_related("domain")}


def mails_to(mailoutbox, address) -> list:
    return [mail for mail in mailoutbox if address in mail.to]


# --- Submitting ---------------------------------------------------------------------------


def test_d4_5_add_on_an_empty_slot_records_one_application(customer, mailbox):
    contract = customer.contract

    application = submit(customer, 2, ADD, account="hanako", virus_check=True)

    assert Application.objects.get() == application
    assert application.kind == "mailbox_add"
    assert application.kind_label == application.get_kind_display() == "メールアカウント追加"
    assert application.status == Application.Status.ACCEPTED
    assert application.submitted_by == customer
    # Stable keys, values as data; the labels are the kind's (X3).
    assert application.before == {"slot": 2, "monthly_charge": 0}
    assert application.after == {
        "slot": 2,
        "address": "hanako",
        "virus_check": True,
        "monthly_charge": 450,  # 2 addresses, 1 checked
    }
    assert application.rows == [
        ("メールアカウント", "—", "hanako"),
        ("ウィルスチェックサービス", "—", "利用する"),
        ("月額料金", "0円（税込 0円）", "450円（税込 495円）"),
    ]
    order = MailboxOrder.objects.get()
    assert (order.application, order.contract, order.slot, order.action) == (
        application,
        contract,
        2,
        ADD,
    )
    assert (order.account, order.virus_check, order.pending) == ("hanako", True, True)
    assert verifies(order.password_hash, NEW_MAIL_PASSWORD)
    assert names() == {"abcdefg", "hanako"}
    # The slot is pending; nothing reaches the mail system before processing.
    slot = services.get_slot(contract, 2)
    assert slot.state == "お申込み処理中" and slot.can_cancel and not slot.can_add
    assert set(p2_rows()) == {"abcdefg@arrow.example.ne.jp"}
    assert not Mailbox.objects.filter(slot=2).exists()
    audit = AuditEntry.objects.get(action="application.mailbox_add.submit")
    assert (audit.actor, audit.contract, audit.target) == (customer, contract, application.number)
    assert NEW_MAIL_PASSWORD not in str(audit.after) + str(application.after)


@pytest.mark.parametrize(
    ("virus_check", "account", "after_account", "after_virus", "after_charge"),
    [
        # 1.2.3: virus check only
        (True, "", "変更なし", "利用する", 200),
        # 1.2.4: account and virus check
        (True, "newname", "newname", "利用する", 200),
        # 1.2.5: account only
        (None, "newname", "newname", "変更なし", 0),
    ],
    ids=["virus-only", "account-and-virus", "account-only"],
)
def test_d4_4_change_patterns_show_before_and_after(
    customer, mailbox, virus_check, account, after_account, after_virus, after_charge
):
    application = submit(customer, 1, CHANGE, account=account, virus_check=virus_check)

    assert application.kind == "mailbox_change"
    assert application.before == {
        "slot": 1,
        "address": "abcdefg@arrow.example.ne.jp",
        "virus_check": False,
        "monthly_charge": 0,
    }
    assert application.after["monthly_charge"] == after_charge
    assert application.rows == [
        ("メールアカウント", "abcdefg@arrow.example.ne.jp", after_account),
        ("ウィルスチェックサービス", "利用しない", after_virus),
        ("月額料金", "0円（税込 0円）", f"{after_charge}円（税込 {after_charge * 11 // 10}円）"),
    ]
    assert list(Application.objects.all()) == [application]
    order = MailboxOrder.objects.get()
    assert (order.action, order.account, order.virus_check) == (CHANGE, account, virus_check)
    assert bool(order.password_hash) == bool(account)
    assert names() == ({"abcdefg", account} if account else {"abcdefg"})


def test_d4_4_turning_virus_check_off_lowers_the_charge(customer):
    MailboxFactory(contract=customer.contract, slot=1, virus_check=True)
    MailboxFactory(contract=customer.contract, slot=3, virus_check=True)
    application = submit(customer, 3, CHANGE, virus_check=False)
    assert application.before["monthly_charge"] == 650
    assert application.after["monthly_charge"] == 450
    assert application.after["virus_check"] is False
    assert dict((label, after) for label, _, after in application.rows) == {
        "メールアカウント": "変更なし",
        "ウィルスチェックサービス": "利用しない",
        "月額料金": "450円（税込 495円）",
    }


def test_d4_6_delete_records_one_application(customer, mailbox):
    MailboxFactory(contract=customer.contract, slot=4, virus_check=True)
    application = submit(customer, 1, DELETE)

    assert application.kind == "mailbox_delete"
    assert application.before["address"] == "abcdefg@arrow.example.ne.jp"
    assert application.before["monthly_charge"] == 450
    assert application.after == {
        "slot": 1,
        "address": None,
        "virus_check": None,
        "monthly_charge": 200,
    }
    assert [after for _, _, after in application.rows] == ["削除", "削除", "200円（税込 220円）"]
    assert list(Application.objects.all()) == [application]
    order = MailboxOrder.objects.get()
    assert (order.action, order.account, order.password_hash) == (DELETE, "", "")
    assert names() == {"abcdefg", order.contract.mailboxes.get(slot=4).account}
    assert services.get_slot(customer.contract, 1).state == "お申込み処理中"


# --- The acceptance mail (X4, D4.4) ------------------------------------------------------


def test_d4_4_acceptance_mail_goes_to_the_ticked_addresses_only(
    customer, mailbox, apply, mailoutbox
):
    chosen = ["abcdefg@arrow.example.ne.jp", "boss@example.com"]
    application = apply(customer, 2, ADD, account="hanako", mail_to=chosen)

    # One mail per ticked address (each its own outbox row and Message-ID).
    accepted = [m for m in mailoutbox if "受け付けました" in m.subject]
    assert sorted(mail.to for mail in accepted) == sorted([address] for address in chosen)
    for mail in accepted:
        assert mail.subject == (
            f"【madoguchi】メールアカウント追加のお申込みを受け付けました（{application.number}）"
        )
        assert "メールアカウント：— → hanako" in mail.body
        assert "月額料金：0円（税込 0円） → 250円（税込 275円）" in mail.body
        assert NEW_MAIL_PASSWORD not in mail.body
    assert accepted[0].extra_headers["Message-ID"] != accepted[1].extra_headers["Message-ID"]
    # The outcome mail goes to the contact address, never to the ticked ones.
    outcome = [m.to for m in mailoutbox if m not in accepted]
    assert outcome == [[customer.contract.contact_email]]


def test_d4_4_no_address_ticked_sends_no_acceptance_mail(customer, mailbox, apply, mailoutbox):
    application = apply(customer, 1, CHANGE, virus_check=True, mail_to=[])

    assert application.status == Application.Status.DONE
    assert not [m for m in mailoutbox if "受け付けました" in m.subject]
    assert [m.to for m in mailoutbox] == [[customer.contract.contact_email]]  # the outcome


# --- Processing (D4.8, P2) ---------------------------------------------------------------


def test_d4_8_p2_add_is_provisioned_and_completed(customer, mailbox, apply, mailoutbox):
    contract = customer.contract
    application = apply(customer, 2, ADD, account="hanako", virus_check=True)

    assert application.status == Application.Status.DONE
    assert application.get_status_display() == "完了"
    assert application.attempts == 1 and application.lease_expires_at is None
    # One mailbox on arrow already: the new one goes to the least used host, dune.
    box = Mailbox.objects.get(contract=contract, slot=2)
    assert (box.account, box.host, box.virus_check) == ("hanako", DUNE, True)
    assert box.address == "hanako@dune.example.ne.jp"
    assert application.after["address"] == "hanako@dune.example.ne.jp"
    row = p2_rows()["hanako@dune.example.ne.jp"]
    assert row.domain.name == DUNE
    assert row.maildir == "dune.example.ne.jp/hanako/"
    assert (row.virus_check, row.active) == (True, True)
    assert verifies(row.password, NEW_MAIL_PASSWORD)
    assert NEW_MAIL_PASSWORD not in row.password
    order = MailboxOrder.objects.get()
    assert (order.pending, order.password_hash) == (False, "")
    assert names() == {"abcdefg", "hanako"}
    slot = services.get_slot(contract, 2)
    assert slot.state == "変更・削除可能" and slot.can_change

    outcome = mails_to(mailoutbox, contract.contact_email)
    assert len(outcome) == 1
    assert outcome[0].to == [contract.contact_email]
    assert outcome[0].subject == (
        f"【madoguchi】メールアカウント追加のお申込みが完了しました（{application.number}）"
    )
    assert "メールアカウント：hanako@dune.example.ne.jp" in outcome[0].body
    assert "ウィルスチェックサービス：利用する" in outcome[0].body
    assert AuditEntry.objects.filter(action="application.mailbox_add.done").count() == 1


def test_d4_8_host_is_the_least_used_of_the_configured_pool(customer, apply, settings):
    settings.MAIL_HOSTS = ["one.example.jp", "two.example.jp", "three.example.jp"]
    MailboxFactory(host="one.example.jp")
    MailboxFactory(host="three.example.jp")
    MailboxFactory(host=ARROW)  # outside the pool: not counted, never chosen
    MailboxFactory(host=ARROW)

    apply(customer, 1, ADD, account="first")
    apply(customer, 2, ADD, account="second")

    assert Mailbox.objects.get(account="first").host == "two.example.jp"
    # Now a tie: the first of the pool.
    assert Mailbox.objects.get(account="second").host == "one.example.jp"
    assert set(p2_rows()) >= {"first@two.example.jp", "second@one.example.jp"}


def test_d4_8_p2_virus_check_only_keeps_address_and_password(customer, mailbox, apply, mailoutbox):
    contract = customer.contract
    contract.billing_notice_email = mailbox.address
    contract.save()

    application = apply(customer, 1, CHANGE, virus_check=True)

    assert application.status == Application.Status.DONE
    mailbox.refresh_from_db()
    assert (mailbox.address, mailbox.virus_check) == ("abcdefg@arrow.example.ne.jp", True)
    row = VirtualUser.objects.get()
    assert row.email == "abcdefg@arrow.example.ne.jp" and row.virus_check
    assert verifies(row.password, MAIL_PASSWORD)
    assert names() == {"abcdefg"}
    contract.refresh_from_db()
    assert contract.billing_notice_email == "abcdefg@arrow.example.ne.jp"
    assert "address" not in application.after  # 「変更なし」
    assert len(mails_to(mailoutbox, contract.contact_email)) == 1


@pytest.mark.parametrize(
    ("virus_check", "checked_after"), [(True, True), (None, False)], ids=["and-virus", "only"]
)
def test_d4_8_d4_10_rename_moves_the_mailbox_and_the_billing_address(
    customer, mailbox, apply, mailoutbox, virus_check, checked_after
):
    contract = customer.contract
    contract.billing_notice_email = "abcdefg@arrow.example.ne.jp"
    contract.save()
    MailboxFactory(host=DUNE)
    MailboxFactory(host=DUNE)

    application = apply(
        customer, 1, CHANGE, account="newname", virus_check=virus_check, password="Renamed99"
    )

    assert application.status == Application.Status.DONE
    mailbox.refresh_from_db()
    # The pool's least used host now is arrow (1 against 2).
    assert (mailbox.slot, mailbox.address) == (1, "newname@arrow.example.ne.jp")
    assert mailbox.virus_check is checked_after
    rows = p2_rows()
    assert "abcdefg@arrow.example.ne.jp" not in rows
    row = rows["newname@arrow.example.ne.jp"]
    assert row.maildir == "arrow.example.ne.jp/newname/"
    assert row.virus_check is checked_after
    assert verifies(row.password, "Renamed99")
    assert not verifies(row.password, MAIL_PASSWORD)
    assert "abcdefg" not in names() and "newname" in names()
    assert MailboxOrder.objects.get().password_hash == ""
    # D4.10: the 「口座振替のご案内」 address follows the changed address.
    contract.refresh_from_db()
    assert contract.billing_notice_email == "newname@arrow.example.ne.jp"
    assert application.after["address"] == "newname@arrow.example.ne.jp"
    (outcome,) = mails_to(mailoutbox, contract.contact_email)
    assert "メールアカウント：newname@arrow.example.ne.jp" in outcome.body


def test_d4_10_billing_address_elsewhere_is_untouched_by_a_rename(customer, mailbox, apply):
    contract = customer.contract
    contract.billing_notice_email = "keiri@example.com"
    contract.save()
    apply(customer, 1, CHANGE, account="newname")
    contract.refresh_from_db()
    assert contract.billing_notice_email == "keiri@example.com"
    assert Mailbox.objects.get().account == "newname"


def test_d4_9_old_name_is_free_after_a_rename(customer, mailbox, apply, other_customer):
    apply(customer, 1, CHANGE, account="newname")
    application = apply(other_customer, 1, ADD, account="abcdefg")
    assert application.status == Application.Status.DONE
    assert Mailbox.objects.get(contract=other_customer.contract).account == "abcdefg"


def test_d4_8_p2_delete_removes_mailbox_row_and_name(
    customer, mailbox, apply, mailoutbox, other_customer
):
    contract = customer.contract
    other = MailboxFactory(contract=contract, slot=2, account="keep")

    application = apply(customer, 1, DELETE)

    assert application.status == Application.Status.DONE
    assert list(Mailbox.objects.filter(contract=contract)) == [other]
    assert set(p2_rows()) == {other.address}
    assert names() == {"keep"}
    slot = services.get_slot(contract, 1)
    assert slot.state == "追加可能" and slot.mailbox is None and slot.order is None
    (outcome,) = mails_to(mailoutbox, contract.contact_email)
    assert "メールアカウント削除のお申込みが完了しました" in outcome.subject
    # The name can be taken again, by anyone.
    assert apply(other_customer, 1, ADD, account="abcdefg").status == Application.Status.DONE


def test_d4_8_processing_twice_changes_nothing_more(customer, mailbox, process, mailoutbox):
    application = submit(customer, 2, ADD, account="hanako")
    assert process(application) is True
    assert process(application) is False
    assert application.attempts == 1
    assert Mailbox.objects.filter(account="hanako").count() == 1
    assert len(mails_to(mailoutbox, customer.contract.contact_email)) == 1


# --- Refused applications: nothing is stored ---------------------------------------------


@pytest.fixture
def nothing_stored(customer, mailbox):
    """Assert that a refused submission left no trace (checked after the test body)."""
    before = (names(), set(p2_rows()), list(Mailbox.objects.values()))
    yield
    assert not Application.objects.exists()
    assert not MailboxOrder.objects.exists()
    assert not AuditEntry.objects.filter(action__endswith=".submit").exists()
    assert (names(), set(p2_rows()), list(Mailbox.objects.values())) == before


@pytest.mark.usefixtures("nothing_stored")
@pytest.mark.parametrize(
    ("slot", "action", "kwargs", "message"),
    [
        (1, ADD, {"account": "hanako"}, "このメールアカウントの状態が変わりました。"),
        (2, CHANGE, {"virus_check": True}, "このメールアカウントの状態が変わりました。"),
        (2, CHANGE, {"account": "hanako"}, "このメールアカウントの状態が変わりました。"),
        (2, DELETE, {}, "このメールアカウントの状態が変わりました。"),
        (0, ADD, {"account": "hanako"}, "指定されたメールアカウントは存在しません。"),
        (5, ADD, {"account": "hanako"}, "指定されたメールアカウントは存在しません。"),
        (0, DELETE, {}, "指定されたメールアカウントは存在しません。"),
        (5, CHANGE, {"virus_check": True}, "指定されたメールアカウントは存在しません。"),
        (-1, DELETE, {}, "指定されたメールアカウントは存在しません。"),
    ],
    ids=[
        "add-on-used-slot",
        "virus-change-on-empty-slot",
        "rename-on-empty-slot",
        "delete-on-empty-slot",
        "add-slot-0",
        "add-slot-5",
        "delete-slot-0",
        "change-slot-5",
        "delete-slot-minus-1",
    ],
)
def test_d4_1_wrong_slot_is_refused(customer, slot, action, kwargs, message):
    with pytest.raises(services.MailboxError) as refused:
        submit(customer, slot, action, **kwargs)
    assert refused.value.message.startswith(message)


def test_d4_7_second_application_on_a_pending_slot_is_refused(customer, mailbox):
    first = submit(customer, 1, CHANGE, virus_check=True)
    with pytest.raises(services.MailboxError, match="このメールアカウントはお申込み処理中です。"):
        submit(customer, 1, CHANGE, account="other1")
    with pytest.raises(services.MailboxError, match="お申込み処理中"):
        submit(customer, 1, DELETE)
    assert list(Application.objects.all()) == [first]
    assert MailboxOrder.objects.count() == 1
    assert names() == {"abcdefg"}


@pytest.fixture
def strangers_mailbox(db):
    return MailboxFactory(account="taken1", host=DUNE)


@pytest.mark.usefixtures("strangers_mailbox", "nothing_stored")
@pytest.mark.parametrize("taken", ["abcdefg", "taken1"], ids=["own", "other-contracts"])
def test_d4_9_name_held_by_a_mailbox_is_taken(customer, taken):
    with pytest.raises(services.MailboxError) as refused:
        submit(customer, 2, ADD, account=taken)
    assert refused.value.message == (
        "ご希望のメールアカウントは既に使用されています。別のアカウントを指定してください。"
    )
    assert refused.value.field == "account"
    with pytest.raises(services.MailboxError, match="既に使用されています"):
        submit(customer, 1, CHANGE, account=taken, virus_check=True)


def test_d4_9_name_held_by_another_contracts_pending_application_is_taken(
    customer, mailbox, other_customer
):
    pending = submit(other_customer, 1, ADD, account="wanted")
    for slot, action in [(2, ADD), (1, CHANGE)]:
        with pytest.raises(services.MailboxError, match="既に使用されています") as refused:
            submit(customer, slot, action, account="wanted")
        assert refused.value.field == "account"
    assert list(Application.objects.all()) == [pending]
    assert names() == {"abcdefg", "wanted"}
    assert not Mailbox.objects.filter(account="wanted").exists()


@pytest.mark.usefixtures("nothing_stored")
@pytest.mark.parametrize(
    ("slot", "action", "kwargs"),
    [(2, ADD, {"account": "hanako"}), (1, CHANGE, {"virus_check": True}), (1, DELETE, {})],
)
def test_d4_11_paper_application_refuses_every_application(customer, slot, action, kwargs):
    contract = customer.contract
    contract.paper_application_in_progress = True
    contract.save()
    with pytest.raises(services.MailboxError) as refused:
        submit(customer, slot, action, **kwargs)
    # The seed's 「ご注意」: 現在申込書によりすでに各種変更のお申込みをされている場合、
    # 本ホームページで変更申込みができない場合があります。
    assert refused.value.message == (
        "現在申込書によりすでに各種変更のお申込みをされているため、"
        "本ホームページで変更申込みができません。"
    )
    with pytest.raises(services.MailboxError, match="申込書"):
        services.check_can_apply(contract)


@pytest.mark.usefixtures("nothing_stored")
@pytest.mark.parametrize("status", ["cancellation_accepted", "ended"])
def test_d5_3_contract_not_active_refuses_applications(customer, status):
    contract = customer.contract
    contract.status = status
    contract.save()
    with pytest.raises(services.MailboxError, match=r"いただけません。$"):
        submit(customer, 2, ADD, account="hanako")
    with pytest.raises(services.MailboxError):
        submit(customer, 1, CHANGE, virus_check=True)


def test_d4_11_open_contract_may_apply(customer):
    services.check_can_apply(customer.contract)  # raises nothing


def test_d4_1_applications_touch_only_the_own_contract(customer, mailbox):
    """Slot numbers are the contract's own: another customer's slot 1 is their own slot."""
    stranger = DeskUserFactory()
    with pytest.raises(services.MailboxError, match="状態が変わりました"):
        submit(stranger, 1, DELETE)
    pending = submit(customer, 1, CHANGE, virus_check=True)
    with pytest.raises(services.MailboxError, match="キャンセルできるお申込みはありません"):
        services.cancel_mailbox_application(user=stranger, slot=1)
    pending.refresh_from_db()
    assert pending.status == Application.Status.ACCEPTED
    mailbox.refresh_from_db()
    assert (mailbox.contract, mailbox.virus_check) == (customer.contract, False)


def test_d4_10_deleting_the_billing_notice_address_hands_it_to_the_contact_address(
    customer, mailbox, apply
):
    """The 「口座振替のご案内」 address never points at a deleted mailbox."""
    contract = customer.contract
    contract.billing_notice_email = mailbox.address
    contract.save()

    application = apply(customer, 1, DELETE)

    assert application.status == Application.Status.DONE
    contract.refresh_from_db()
    assert contract.billing_notice_email == contract.contact_email


def test_d4_10_deleting_another_address_leaves_the_billing_notice_address(customer, mailbox, apply):
    contract = customer.contract
    contract.billing_notice_email = "keiri@example.com"
    contract.save()

    apply(customer, 1, DELETE)

    contract.refresh_from_db()
    assert contract.billing_notice_email == "keiri@example.com"
