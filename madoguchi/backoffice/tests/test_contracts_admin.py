"""B4: contracts in the back office — search, view, flags (audited, X7), login unlock (D1.2)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.audit.models import AuditEntry
from madoguchi.backoffice.tests.conftest import url
from madoguchi.contracts.models import Contract
from madoguchi.contracts.tests.factories import ContractFactory, DeskUserFactory
from madoguchi.contracts.tests.pages import is_logged_in, page_text, post_login
from madoguchi.throttling.models import LoginFailure

pytestmark = pytest.mark.django_db

ALLOWED = "オンラインでの認証パスワード変更を許可"
PAPER = "申込書による変更手続き中"


def result_rows(response) -> list[str]:
    """The customer numbers listed on the change list, in order."""
    return [contract.customer_number for contract in response.context["cl"].result_list]


HOME = "10.0.1.1"
START = datetime(2024, 1, 11, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo


def fail_desk_login_five_times(client, username, ip=HOME):
    """Five wrong passwords: the ID is locked for unknown browsers (D1.2)."""
    for n in range(5):
        post_login(client, username, f"Wrong-{n}", ip=ip)


def save_flags(client, contract, *, allowed: bool, paper: bool, **extra):
    data = {"_save": "保存", **extra}
    if allowed:
        data["online_password_change_allowed"] = "on"
    if paper:
        data["paper_application_in_progress"] = "on"
    return client.post(url("contracts_contract_change", contract.pk), data)


def test_b4_list_shows_contracts_with_their_login_in_bounded_queries(
    operator_client, customer, ended_customer, django_assert_max_num_queries
):
    for _ in range(10):
        DeskUserFactory()
    with django_assert_max_num_queries(11):
        response = operator_client.get(url("contracts_contract_changelist"))
    assert response.status_code == 200
    text = page_text(response)
    assert customer.username in text and customer.contract.customer_number in text
    # Ended contracts stay visible to operators.
    assert ended_customer.contract.customer_number in result_rows(response)
    assert len(result_rows(response)) == 12


@pytest.mark.parametrize(
    "term",
    ["N230110835", "窓口テスト商事", "マドグチテスト", "demo0001@biz.example.ne.jp", "demo0001"],
)
def test_b4_search_by_number_name_kana_and_login_id(operator_client, term):
    DeskUserFactory(
        username="demo0001@biz.example.ne.jp",
        contract__customer_number="N230110835",
        contract__name="窓口テスト商事株式会社",
        contract__name_kana="マドグチテストショウジカブシキガイシャ",
    )
    DeskUserFactory(username="other@biz.example.ne.jp", contract__name="別会社")
    response = operator_client.get(url("contracts_contract_changelist"), {"q": term})
    assert response.status_code == 200
    assert result_rows(response) == ["N230110835"]


def test_b4_filters_by_status_and_flags(operator_client, customer, ended_customer):
    disabled = DeskUserFactory(contract__online_password_change_allowed=False).contract
    paper = DeskUserFactory(contract__paper_application_in_progress=True).contract
    changelist = url("contracts_contract_changelist")

    def listed(**params):
        response = operator_client.get(changelist, params)
        assert response.status_code == 200
        return set(result_rows(response))

    assert listed(status__exact="ended") == {ended_customer.contract.customer_number}
    assert listed(online_password_change_allowed__exact="0") == {disabled.customer_number}
    assert listed(paper_application_in_progress__exact="1") == {paper.customer_number}
    assert customer.contract.customer_number in listed(status__exact="active")


def test_b4_detail_shows_every_field_the_login_and_editable_flags(
    operator_client, customer, django_assert_max_num_queries
):
    contract = customer.contract
    with django_assert_max_num_queries(12):  # the login's failures and locks: 2 (D1.2); roles: 3
        response = operator_client.get(url("contracts_contract_change", contract.pk))
    assert response.status_code == 200
    text = page_text(response)
    for value in (
        contract.customer_number,
        contract.service_name,
        contract.name,
        contract.name_kana,
        contract.postal_code,
        contract.address,
        contract.department,
        contract.contact_email,
        "ご利用中",
        "請求書によるお支払い",
        customer.username,
        "ロックなし",
        ALLOWED,
        PAPER,
    ):
        assert value in text, value
    unlock = url("contracts_contract_unlock", contract.pk)
    assert f'action="{unlock}"' in response.content.decode()
    assert 'value="ログインロック解除"' in response.content.decode()
    form = response.context["adminform"].form
    assert sorted(form.fields) == sorted(
        ["online_password_change_allowed", "paper_application_in_progress"]
    )


def test_b4_x7_flag_change_is_saved_and_audited(operator_client, operator, customer):
    contract = customer.contract
    response = save_flags(
        operator_client, contract, allowed=False, paper=True, name="書き換え", status="ended"
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.online_password_change_allowed is False
    assert contract.paper_application_in_progress is True
    # Only the flags are editable: the rest comes from the ISP's contract records.
    assert contract.name != "書き換え" and contract.status == Contract.Status.ACTIVE
    entry = AuditEntry.objects.get(action="contract.flags.update")
    assert entry.actor == operator and entry.contract == contract
    assert entry.ip_address == "127.0.0.1"
    assert entry.before == {ALLOWED: True, PAPER: False}
    assert entry.after == {ALLOWED: False, PAPER: True}
    # The audit log shows it to operators.
    detail = operator_client.get(url("audit_auditentry_change", entry.pk))
    assert ALLOWED in page_text(detail) and "いいえ" in page_text(detail)


def test_b4_x7_saving_without_a_change_writes_no_audit_row(operator_client, customer):
    response = save_flags(operator_client, customer.contract, allowed=True, paper=False)
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action="contract.flags.update").exists()


def test_b4_one_flag_changed_audits_only_that_flag(operator_client, customer):
    save_flags(operator_client, customer.contract, allowed=True, paper=True)
    entry = AuditEntry.objects.get(action="contract.flags.update")
    assert entry.before == {PAPER: False} and entry.after == {PAPER: True}


def test_b4_disabling_online_change_is_obeyed_by_the_desk(operator_client, customer):
    """The flag an operator clears takes the desk's password change away (D3, D1.5)."""
    desk = Client()
    desk.force_login(customer)
    password_page = reverse("desk:password")
    assert desk.get(password_page).status_code == 200
    save_flags(operator_client, customer.contract, allowed=False, paper=False)
    assert desk.get(password_page).status_code == 403
    assert password_page not in desk.get(reverse("desk:status")).content.decode()


def test_b4_d1_2_locked_login_shows_and_unlock_button_lets_the_customer_in(
    operator_client, operator, customer, password, time_machine
):
    time_machine.move_to(START, tick=False)
    desk = Client()
    fail_desk_login_five_times(desk, customer.username)
    assert post_login(desk, customer.username, password, ip=HOME).status_code == 429

    detail = operator_client.get(url("contracts_contract_change", customer.contract.pk))
    assert (
        "ロック中（ログイン実績のないブラウザからのログインを 2024/01/11(木) 09:15 まで停止、"
        "15分以内の失敗 5 回）" in page_text(detail)
    )
    locked = operator_client.get(url("contracts_contract_changelist"), {"locked": "yes"})
    assert result_rows(locked) == [customer.contract.customer_number]
    assert "2024/01/11(木) 09:15 まで" in page_text(locked)  # the list says until when
    unlocked = operator_client.get(url("contracts_contract_changelist"), {"locked": "no"})
    assert customer.contract.customer_number not in result_rows(unlocked)

    response = operator_client.post(url("contracts_contract_unlock", customer.contract.pk))
    assert response.status_code == 302
    assert response["Location"] == url("contracts_contract_change", customer.contract.pk)
    page = operator_client.get(response["Location"])
    assert f"ログインロックを解除しました：{customer.username}" in page_text(page)
    assert "ロックなし" in page_text(page)
    assert not LoginFailure.objects.filter(username=customer.username).exists()
    entry = AuditEntry.objects.get(action="login.unlock")
    assert entry.actor == operator and entry.contract == customer.contract
    assert entry.target == customer.username
    assert entry.before == {
        "ロック": "ロック中",
        "失敗回数": 5,
        "ロック期限": "2024/01/11(木) 09:15",
    }
    assert entry.after == {"ロック": "なし", "失敗回数": 0}

    response = post_login(desk, customer.username, password, ip=HOME)
    assert response.status_code == 302
    assert is_logged_in(desk)


def test_b4_d1_2_lock_display_follows_the_id_rule(
    operator_client, customer, password, time_machine
):
    """ロック中 means: the ID is refused now to unknown browsers, from any address (D1.2)."""
    time_machine.move_to(START, tick=False)
    desk = Client()
    detail_url = url("contracts_contract_change", customer.contract.pk)
    locked_list = url("contracts_contract_changelist") + "?locked=yes"
    for n in range(4):
        post_login(desk, customer.username, f"Wrong-{n}", ip=f"10.0.5.{n}")
    assert "ロックなし（15分以内の失敗 4 回）" in page_text(operator_client.get(detail_url))
    assert result_rows(operator_client.get(locked_list)) == []

    # The fifth failure, from yet another address, locks the ID (not an address).
    assert post_login(desk, customer.username, "Wrong-5", ip="10.0.5.9").status_code == 429
    text = page_text(operator_client.get(detail_url))
    assert "ログイン実績のないブラウザからのログインを 2024/01/11(木) 09:15 まで停止" in text
    assert result_rows(operator_client.get(locked_list)) == [customer.contract.customer_number]

    # 15 minutes on, the lock and the failures are over.
    time_machine.shift(timedelta(minutes=15, seconds=1))
    text = page_text(operator_client.get(detail_url))
    assert "ロックなし" in text and "ロック中" not in text and "15分以内の失敗" not in text
    assert result_rows(operator_client.get(locked_list)) == []
    assert post_login(desk, customer.username, password, ip=HOME).status_code == 302


def test_b4_unlock_action_on_the_list(operator_client, customer, password):
    desk = Client()
    fail_desk_login_five_times(desk, customer.username)
    other = DeskUserFactory()
    response = operator_client.post(
        url("contracts_contract_changelist"),
        {"action": "unlock_logins", "_selected_action": [customer.contract.pk, other.contract.pk]},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="login.unlock").count() == 2
    assert post_login(desk, customer.username, password, ip=HOME).status_code == 302


def test_b4_unlock_needs_post_and_an_operator(operator_client, customer):
    unlock = url("contracts_contract_unlock", customer.contract.pk)
    assert operator_client.get(unlock).status_code == 405
    desk = Client()
    desk.force_login(customer)
    refused = desk.post(unlock)
    assert refused.status_code == 302 and refused["Location"].startswith(url("login"))
    assert not AuditEntry.objects.filter(action="login.unlock").exists()
    assert operator_client.post(url("contracts_contract_unlock", 999999)).status_code == 404


def test_b4_unlock_of_a_contract_without_a_desk_login_says_so(operator_client):
    contract = ContractFactory()
    response = operator_client.post(url("contracts_contract_unlock", contract.pk), follow=True)
    assert "認証IDがありません" in page_text(response)
    assert not AuditEntry.objects.exists()


def test_b4_customer_cannot_read_or_change_contracts(customer_client, customer):
    """A logged-in desk customer is sent to the back office login; nothing changes."""
    contract = customer.contract
    for page in (
        url("contracts_contract_changelist"),
        url("contracts_contract_change", contract.pk),
    ):
        response = customer_client.get(page)
        assert response.status_code == 302 and response["Location"].startswith(url("login"))
    save_flags(customer_client, contract, allowed=False, paper=True)
    contract.refresh_from_db()
    assert contract.online_password_change_allowed is True
    assert not AuditEntry.objects.filter(action="contract.flags.update").exists()


def test_b4_contracts_cannot_be_added_or_deleted(operator_client, customer):
    assert operator_client.get(url("contracts_contract_add")).status_code == 403
    delete = url("contracts_contract_delete", customer.contract.pk)
    assert operator_client.post(delete, {"post": "yes"}).status_code == 403
    assert Contract.objects.filter(pk=customer.contract.pk).exists()
