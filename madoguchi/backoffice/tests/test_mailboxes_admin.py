"""D4, P2, D4.11 in the back office: mailboxes, names in use and the mail system's tables.

All read only: mail accounts change only through applications (B1).
"""

import pytest

from madoguchi.applications.eligibility import PAPER_APPLICATION
from madoguchi.backoffice.tests.conftest import url
from madoguchi.backoffice.tests.mailbox_data import PASSWORD_HASH, mailbox, submit
from madoguchi.contracts.tests.factories import DeskUserFactory
from madoguchi.contracts.tests.pages import page_text
from madoguchi.mailboxes.models import AccountName, Mailbox, MailboxOrder
from madoguchi.mailboxes.services import MailboxError, check_can_apply
from madoguchi.provisioning.models import VirtualDomain, VirtualUser
from madoguchi.provisioning.services import put_mailbox

pytestmark = pytest.mark.django_db

MASKED = "{ARGON2ID} のハッシュ（非表示）"


def listed(client, name: str, **params) -> list:
    response = client.get(url(name), params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.fixture
def mailboxes(customer):
    """The demo's shape: one contract with abcdefg, another with all four slots used."""
    full = DeskUserFactory().contract
    return {
        "abcdefg": mailbox(customer.contract, slot=1, account="abcdefg"),
        **{
            name: mailbox(full, slot=slot, account=name, host=host, virus=slot % 2 == 0)
            for slot, name, host in [
                (1, "sales.team", "arrow.example.ne.jp"),
                (2, "info-desk", "dune.example.ne.jp"),
                (3, "keiri_01", "arrow.example.ne.jp"),
                (4, "yamada", "dune.example.ne.jp"),
            ]
        },
    }


# --- Mailboxes ---------------------------------------------------------------------------------


def test_d4_1_mailbox_list_shows_contract_slot_address_and_virus_check(
    operator_client, customer, mailboxes, django_assert_max_num_queries
):
    for n in range(6):
        mailbox(DeskUserFactory().contract, slot=1, account=f"extra{n}")
    with django_assert_max_num_queries(12):
        response = operator_client.get(url("mailboxes_mailbox_changelist"))
    assert response.status_code == 200
    text = page_text(response)
    for value in (
        "お客様番号",
        "No.",
        "メールアカウント",
        "ウィルスチェックサービス",
        customer.contract.customer_number,
        customer.contract.name,
        "abcdefg@arrow.example.ne.jp",
        "info-desk@dune.example.ne.jp",
        "04",
    ):
        assert value in text, value
    assert len(response.context["cl"].result_list) == 11
    html = response.content.decode()
    assert url("contracts_contract_change", customer.contract.pk) in html
    assert PASSWORD_HASH not in html


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("abcdefg@arrow.example.ne.jp", {"abcdefg"}),
        ("ABCDEFG@arrow.example.ne.jp", {"abcdefg"}),
        ("info-desk@dune", {"info-desk"}),
        ("@dune.example.ne.jp", {"info-desk", "yamada"}),
        ("keiri", {"keiri_01"}),
        ("nobody@arrow.example.ne.jp", set()),
    ],
)
def test_d4_mailbox_search_by_address(operator_client, mailboxes, term, expected):
    found = listed(operator_client, "mailboxes_mailbox_changelist", q=term)
    assert {box.account for box in found} == expected


def test_d4_mailbox_search_by_customer_number(operator_client, customer, mailboxes):
    number = mailboxes["yamada"].contract.customer_number
    found = listed(operator_client, "mailboxes_mailbox_changelist", q=number)
    assert [(box.slot, box.account) for box in found] == [
        (1, "sales.team"),
        (2, "info-desk"),
        (3, "keiri_01"),
        (4, "yamada"),
    ]
    found = listed(
        operator_client, "mailboxes_mailbox_changelist", q=customer.contract.customer_number
    )
    assert [box.account for box in found] == ["abcdefg"]


def test_d4_mailbox_filter_by_virus_check(operator_client, mailboxes):
    found = listed(operator_client, "mailboxes_mailbox_changelist", virus_check__exact="1")
    assert {box.account for box in found} == {"info-desk", "yamada"}


def test_d4_mailbox_detail_is_read_only(operator_client, customer, mailboxes):
    box = mailboxes["abcdefg"]
    change = url("mailboxes_mailbox_change", box.pk)
    response = operator_client.get(change)
    assert response.status_code == 200
    text = page_text(response)
    assert "abcdefg@arrow.example.ne.jp" in text and customer.contract.customer_number in text
    assert not response.context["adminform"].form.fields  # nothing to edit
    assert 'name="account"' not in response.content.decode()
    assert operator_client.get(url("mailboxes_mailbox_add")).status_code == 403
    posted = operator_client.post(change, {"account": "hacked", "host": "x", "slot": 2})
    assert posted.status_code == 403
    delete = url("mailboxes_mailbox_delete", box.pk)
    assert operator_client.post(delete, {"post": "yes"}).status_code == 403
    box.refresh_from_db()
    assert (box.account, box.slot) == ("abcdefg", 1)


# --- Names in use ------------------------------------------------------------------------------


def test_d4_9_account_names_in_use_by_mailboxes_and_pending_applications(
    operator_client, customer, django_assert_max_num_queries
):
    mailbox(customer.contract, slot=1, account="abcdefg")
    submit(customer, slot=2, account="pending.name")
    with django_assert_max_num_queries(12):
        response = operator_client.get(url("mailboxes_accountname_changelist"))
    assert response.status_code == 200
    rows = {name.name: name.in_mailbox for name in response.context["cl"].result_list}
    assert rows == {"abcdefg": True, "pending.name": False}
    text = page_text(response)
    assert "メールアカウント" in text and "お申込み中" in text
    found = listed(operator_client, "mailboxes_accountname_changelist", q="pending")
    assert [name.name for name in found] == ["pending.name"]
    # Read only: a name is freed only by cancelling, failing or deleting.
    assert operator_client.get(url("mailboxes_accountname_add")).status_code == 403
    delete = url("mailboxes_accountname_delete", "pending.name")
    assert operator_client.post(delete, {"post": "yes"}).status_code == 403
    assert AccountName.objects.filter(name="pending.name").exists()


# --- P2: the mail system's tables ----------------------------------------------------------------


def test_p2_virtual_users_list_and_detail_never_show_the_hash(
    operator_client, mailboxes, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = operator_client.get(url("provisioning_virtualuser_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    text = page_text(response)
    assert "abcdefg@arrow.example.ne.jp" in text and MASKED in text
    assert PASSWORD_HASH not in html and "$argon2id$" not in html
    assert PASSWORD_HASH.split("$")[-1] not in html

    user = VirtualUser.objects.get(email="yamada@dune.example.ne.jp")
    detail = operator_client.get(url("provisioning_virtualuser_change", user.pk))
    assert detail.status_code == 200
    text = page_text(detail)
    assert MASKED in text and "dune.example.ne.jp/yamada/" in text
    html = detail.content.decode()
    assert PASSWORD_HASH not in html and "$argon2id$" not in html
    assert PASSWORD_HASH.split("$")[-2] not in html  # nor the salt


def test_p2_other_hash_formats_show_only_their_scheme(operator_client):
    put_mailbox(email="a@x.example", password_hash="{SHA512-CRYPT}$6$salt$hash", virus_check=False)
    put_mailbox(email="b@x.example", password_hash="plain-or-broken", virus_check=False)
    text = page_text(operator_client.get(url("provisioning_virtualuser_changelist")))
    assert "{SHA512-CRYPT} のハッシュ（非表示）" in text
    assert "不明な形式のハッシュ（非表示）" in text
    assert "plain-or-broken" not in text and "$6$salt$hash" not in text


def test_p2_virtual_domains_with_their_mailbox_counts(
    operator_client, mailboxes, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = operator_client.get(url("provisioning_virtualdomain_changelist"))
    assert response.status_code == 200
    counts = {domain.name: domain.mailboxes for domain in response.context["cl"].result_list}
    assert counts == {"arrow.example.ne.jp": 3, "dune.example.ne.jp": 2}


def test_p2_mail_tables_are_read_only(operator_client, mailboxes):
    user = VirtualUser.objects.get(email="abcdefg@arrow.example.ne.jp")
    domain = user.domain
    for name in ("provisioning_virtualuser_add", "provisioning_virtualdomain_add"):
        assert operator_client.get(url(name)).status_code == 403
    posted = operator_client.post(
        url("provisioning_virtualuser_change", user.pk),
        {"email": user.email, "password": "plain", "maildir": "x", "domain": domain.pk},
    )
    assert posted.status_code == 403
    for name, pk in (
        ("provisioning_virtualuser_delete", user.pk),
        ("provisioning_virtualdomain_delete", domain.pk),
    ):
        assert operator_client.post(url(name, pk), {"post": "yes"}).status_code == 403
    user.refresh_from_db()
    assert user.password == PASSWORD_HASH and VirtualDomain.objects.count() == 2


def test_d4_desk_customer_cannot_open_the_mailbox_pages(customer_client, customer, mailboxes):
    for name, args in (
        ("mailboxes_mailbox_changelist", ()),
        ("mailboxes_mailbox_change", (mailboxes["abcdefg"].pk,)),
        ("mailboxes_accountname_changelist", ()),
        ("provisioning_virtualuser_changelist", ()),
        ("provisioning_virtualdomain_changelist", ()),
    ):
        response = customer_client.get(url(name, *args))
        assert response.status_code == 302, name
        assert response["Location"].startswith(url("login"))


# --- D4.11 -----------------------------------------------------------------------------------


def test_d4_11_paper_application_flag_set_by_an_operator_stops_desk_applications(
    operator_client, customer
):
    contract = customer.contract
    check_can_apply(contract)  # open before the flag
    response = operator_client.post(
        url("contracts_contract_change", contract.pk),
        {
            "_save": "保存",
            "online_password_change_allowed": "on",
            "paper_application_in_progress": "on",
        },
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.paper_application_in_progress
    with pytest.raises(MailboxError) as refused:
        check_can_apply(contract)
    assert refused.value.message == PAPER_APPLICATION
    with pytest.raises(MailboxError, match="申込書により"):
        submit(customer, slot=1, account="blocked")
    assert not MailboxOrder.objects.exists() and not AccountName.objects.exists()
    assert not Mailbox.objects.exists()

    # Cleared again by the operator: the desk accepts applications again.
    operator_client.post(
        url("contracts_contract_change", contract.pk),
        {"_save": "保存", "online_password_change_allowed": "on"},
    )
    contract.refresh_from_db()
    check_can_apply(contract)
    assert submit(customer, slot=1, account="allowed").mailbox_order.slot == 1
