"""B5: operator roles (閲覧, 受付, 管理者) as groups, checked on every page and action.

The access matrix (tests/test_access_matrix.py) gives every URL's answer per role; these
tests prove what the roles change: nothing is stored when a role may not act, the buttons a
role may not use are not offered, the 403 page, the groups after ``migrate``, and setting
roles (audited, X7).
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client

from madoguchi.applications.models import Application
from madoguchi.audit.models import AuditEntry
from madoguchi.backoffice import roles
from madoguchi.backoffice.roles import ETSURAN, KANRISHA, ROLES, UKETSUKE
from madoguchi.backoffice.site import backoffice_site
from madoguchi.backoffice.tests.conftest import url
from madoguchi.backoffice.tests.mailbox_data import submit
from madoguchi.contracts.models import PhonePage, User
from madoguchi.contracts.tests.factories import OperatorFactory, phone_pages
from madoguchi.contracts.tests.pages import page_text

pytestmark = pytest.mark.django_db

PASSWORD = "Kanri-pass-2024"


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def etsuran(db):
    return OperatorFactory(username="etsuran1", role=ETSURAN)


@pytest.fixture
def uketsuke(db):
    return OperatorFactory(username="uketsuke1", role=UKETSUKE)


@pytest.fixture
def kanrisha(db):
    return OperatorFactory(username="kanrisha1", role=KANRISHA)


def group_permissions(role) -> set[str]:
    group = Group.objects.get(name=role.name)
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


# --- The groups -----------------------------------------------------------------------------


def test_b5_each_role_is_a_group_with_exactly_its_permissions():
    for role in ROLES:
        assert group_permissions(role) == role.permissions, role.name
    assert ETSURAN.permissions < UKETSUKE.permissions < KANRISHA.permissions
    assert roles.PROCESS_APPLICATION in UKETSUKE.permissions - ETSURAN.permissions
    assert "contracts.change_contract" in KANRISHA.permissions - UKETSUKE.permissions


def test_b5_migrate_repairs_the_groups():
    """``migrate`` (its post_migrate step) puts the roles back as the code defines them."""
    Group.objects.get(name=UKETSUKE.name).permissions.clear()
    Group.objects.get(name=ETSURAN.name).delete()
    stray = Permission.objects.get(codename="delete_contract")
    Group.objects.get(name=KANRISHA.name).permissions.add(stray)

    call_command("migrate", verbosity=0, interactive=False)

    for role in ROLES:
        assert group_permissions(role) == role.permissions, role.name


def test_b5_roles_get_the_permissions_of_models_whose_permissions_are_not_created_yet():
    """After a migration adds a model, its permissions may not exist when the roles are made
    (Django creates them app by app in the same step): the roles' step creates them first."""
    Permission.objects.filter(content_type__app_label__in=["mailcatcher", "audit"]).delete()
    roles.sync_roles_after_migrate(using="default")
    assert group_permissions(UKETSUKE) == UKETSUKE.permissions


def test_b5_a_role_naming_a_permission_that_does_not_exist_is_an_error(monkeypatch):
    broken = roles.Role("x", "壊れた権限", "", frozenset({"contracts.fly_contract"}))
    monkeypatch.setattr(roles, "ROLES", (*ROLES, broken))
    with pytest.raises(Exception, match=r"contracts\.fly_contract"):
        roles.sync_roles()


def test_b5_every_back_office_page_is_seen_by_some_role():
    """A model added to the back office must be given to a role, or no operator sees it."""
    granted = KANRISHA.permissions
    for model in backoffice_site._registry:
        opts = model._meta
        assert f"{opts.app_label}.view_{opts.model_name}" in granted, opts.label


def test_b5_createsuperuser_still_makes_a_full_administrator(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command(
        "createsuperuser", interactive=False, username="first", email="first@example.ne.jp"
    )
    first = User.objects.get(username="first")
    assert first.kind == User.Kind.OPERATOR and first.is_staff and first.is_superuser
    client = client_of(first)
    response = client.get(url("contracts_user_add"))
    assert response.status_code == 200
    assert "全権限（スーパーユーザー）" in page_text(client.get(url("index")))


# --- What each role sees and may do ----------------------------------------------------------


def test_b5_the_menu_lists_only_what_the_role_may_open(etsuran, uketsuke, kanrisha):
    menus = {
        user.username: page_text(client_of(user).get(url("index")))
        for user in (etsuran, uketsuke, kanrisha)
    }
    assert "権限： 閲覧" in menus["etsuran1"]
    for title in (
        "ご契約",
        "お申込み",
        "メールアカウント",
        "RADIUS認証情報",
        "お電話での問い合わせ",
    ):
        assert all(title in menu for menu in menus.values()), title
    for title in ("監査ログ", "受信メール", "ログインアカウント"):
        assert title not in menus["etsuran1"], title
        assert title in menus["uketsuke1"] and title in menus["kanrisha1"], title
    add_operator_link = f'href="{url("contracts_user_add")}"'
    assert add_operator_link not in client_of(uketsuke).get(url("index")).content.decode()
    assert add_operator_link in client_of(kanrisha).get(url("index")).content.decode()


def test_b5_the_403_page_is_the_back_office_s_in_japanese(etsuran, caplog):
    response = client_of(etsuran).get(url("audit_auditentry_changelist"))
    assert response.status_code == 403
    text = page_text(response)
    assert "madoguchi バックオフィス" in text and "権限がありません" in text
    assert "あなたの権限は「閲覧」です。" in text
    assert url("index") in response.content.decode()  # back to the menu
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("role", [ETSURAN, UKETSUKE, KANRISHA], ids=lambda role: role.key)
def test_b1_b5_process_and_fail_are_for_uketsuke_and_up(customer, role, smtp_server):
    operator = OperatorFactory(role=role)
    client = client_of(operator)
    application = submit(customer, account="rolebox")
    may = role != ETSURAN
    page = client.get(url("applications_application_change", application.pk))
    html = page.content.decode()
    assert ('value="処理する"' in html) is may and ('class="fail-application"' in html) is may

    fail = client.post(url("applications_application_fail", application.pk), {"reason": "理由"})
    process = client.post(url("applications_application_process", application.pk))
    action = client.post(
        url("applications_application_changelist"),
        {"action": "process_selected", "_selected_action": [application.pk]},
    )
    application.refresh_from_db()
    if may:
        assert fail.status_code == 302 and application.status == Application.Status.FAILED
        assert process.status_code == 302  # already failed: refused with a message
    else:
        assert (fail.status_code, process.status_code) == (403, 403)
        # The list offers 閲覧 no action; a forged one just shows the list again.
        assert action.status_code == 200
        assert application.status == Application.Status.ACCEPTED
        assert not AuditEntry.objects.filter(actor=operator).exists()
        assert smtp_server.received == []
        changelist = client.get(url("applications_application_changelist"))
        assert 'value="process_selected"' not in changelist.content.decode()


@pytest.mark.parametrize("role", [ETSURAN, UKETSUKE, KANRISHA], ids=lambda role: role.key)
def test_b4_b5_unlock_is_for_uketsuke_and_up(customer, role):
    operator = OperatorFactory(role=role)
    client = client_of(operator)
    contract = customer.contract
    may = role != ETSURAN
    page = client.get(url("contracts_contract_change", contract.pk))
    assert ('value="ログインロック解除"' in page.content.decode()) is may
    button = client.post(url("contracts_contract_unlock", contract.pk))
    on_list = client.post(
        url("contracts_contract_changelist"),
        {"action": "unlock_logins", "_selected_action": [contract.pk]},
    )
    unlocks = AuditEntry.objects.filter(action="login.unlock", actor=operator).count()
    if may:
        assert button.status_code == 302 and on_list.status_code == 302 and unlocks == 2
        accounts = client.post(
            url("contracts_user_changelist"),
            {"action": "unlock_logins", "_selected_action": [customer.pk]},
        )
        assert accounts.status_code == 302
        assert AuditEntry.objects.filter(action="login.unlock", actor=operator).count() == 3
    else:
        assert button.status_code == 403 and unlocks == 0
        changelist = client.get(url("contracts_contract_changelist"))
        assert 'value="unlock_logins"' not in changelist.content.decode()


def test_b4_b5_contract_flags_and_phone_pages_are_for_kanrisha_only(customer, uketsuke, kanrisha):
    contract = customer.contract
    page = phone_pages()["setup"]
    flags = {"_save": "保存", "paper_application_in_progress": "on"}
    text = {"phone_number": "0120-999-000", "hours": "24時間", "body": "ご案内", "_save": "保存"}

    refused = client_of(uketsuke)
    view = refused.get(url("contracts_contract_change", contract.pk))
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
    assert refused.post(url("contracts_contract_change", contract.pk), flags).status_code == 403
    assert refused.post(url("contracts_phonepage_change", page.pk), text).status_code == 403
    contract.refresh_from_db()
    page.refresh_from_db()
    assert not contract.paper_application_in_progress and page.phone_number != "0120-999-000"
    assert not AuditEntry.objects.exists()

    allowed = client_of(kanrisha)
    assert allowed.post(url("contracts_contract_change", contract.pk), flags).status_code == 302
    assert allowed.post(url("contracts_phonepage_change", page.pk), text).status_code == 302
    contract.refresh_from_db()
    assert contract.paper_application_in_progress
    assert PhonePage.objects.get(pk=page.pk).phone_number == "0120-999-000"


def test_b5_etsuran_reads_the_contract_s_login_without_a_link_to_the_accounts(
    customer, etsuran, uketsuke
):
    account_page = url("contracts_user_change", customer.pk)
    for operator, linked in ((etsuran, False), (uketsuke, True)):
        client = client_of(operator)
        for page in (
            url("contracts_contract_changelist"),
            url("contracts_contract_change", customer.contract.pk),
        ):
            response = client.get(page)
            assert customer.username in page_text(response)
            assert (account_page in response.content.decode()) is linked, (operator, page)


# --- Operator accounts and their roles --------------------------------------------------------


def add_operator(client, **extra):
    data = {
        "username": "suzuki",
        "email": "suzuki@example.ne.jp",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "role": "uketsuke",
        "_save": "保存",
        **extra,
    }
    return client.post(url("contracts_user_add"), data)


def edit_operator(client, account, **extra):
    data = {
        "username": account.username,
        "email": account.email,
        "is_active": "on",
        "_save": "保存",
        **extra,
    }
    return client.post(url("contracts_user_change", account.pk), data)


def test_b5_the_account_form_offers_the_three_roles(kanrisha):
    response = client_of(kanrisha).get(url("contracts_user_add"))
    html = response.content.decode()
    assert "権限" in page_text(response)
    for role in ROLES:
        assert f'<option value="{role.key}"' in html and role.description in html


@pytest.mark.parametrize(
    ("role", "message"),
    [("", "権限を選んでください。"), ("root", "権限を一覧から選んでください。")],
    ids=["missing", "unknown"],
)
def test_b5_a_new_operator_needs_a_role(kanrisha, role, message):
    response = add_operator(client_of(kanrisha), role=role)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["role"] == [message]
    assert message in page_text(response)
    assert not User.objects.filter(username="suzuki").exists()


def test_b5_x7_a_new_operator_gets_the_chosen_role_and_it_is_audited(kanrisha):
    response = add_operator(client_of(kanrisha), role="etsuran")
    assert response.status_code == 302
    created = User.objects.get(username="suzuki")
    assert not created.is_superuser and roles.role_of(created) == ETSURAN
    entry = AuditEntry.objects.get(action="account.role")
    assert entry.actor == kanrisha and entry.target == "suzuki"
    assert (entry.before, entry.after) == ({"権限": "なし"}, {"権限": "閲覧"})
    # What the new operator may open is the role's.
    fresh = Client()
    fresh.post(url("login"), {"username": "suzuki", "password": PASSWORD})
    assert fresh.get(url("contracts_contract_changelist")).status_code == 200
    assert fresh.get(url("audit_auditentry_changelist")).status_code == 403


def test_b5_x7_role_change_is_audited_with_both_role_names(kanrisha, uketsuke):
    client = client_of(kanrisha)
    assert edit_operator(client, uketsuke, role="kanrisha").status_code == 302
    assert roles.role_of(uketsuke) == KANRISHA
    entry = AuditEntry.objects.get(action="account.role")
    assert (entry.before, entry.after) == ({"権限": "受付"}, {"権限": "管理者"})
    assert entry.actor == kanrisha and entry.target == uketsuke.username
    # Its label in the audit log.
    assert "オペレーターの権限変更" in page_text(client.get(url("audit_auditentry_changelist")))
    # Saving again without a change writes no role entry.
    edit_operator(client, uketsuke, role="kanrisha")
    assert AuditEntry.objects.filter(action="account.role").count() == 1
    # The account list shows each operator's role.
    text = page_text(client.get(url("contracts_user_changelist")))
    assert "管理者" in text


def test_b5_a_superuser_given_another_role_is_no_longer_a_superuser(kanrisha):
    boss = OperatorFactory(username="boss", is_superuser=True)
    client = client_of(kanrisha)
    edit_operator(client, boss, role="kanrisha")  # 管理者 keeps a superuser as it is
    boss.refresh_from_db()
    assert boss.is_superuser and not AuditEntry.objects.filter(action="account.role").exists()
    edit_operator(client, boss, role="etsuran")
    boss.refresh_from_db()
    assert not boss.is_superuser and roles.role_of(boss) == ETSURAN
    entry = AuditEntry.objects.get(action="account.role")
    assert entry.before == {"権限": roles.SUPERUSER_LABEL} == {"権限": "全権限（スーパーユーザー）"}
    assert entry.after == {"権限": "閲覧"}


def test_b5_nobody_changes_their_own_role_or_deactivates_themselves(kanrisha):
    client = client_of(kanrisha)
    page = client.get(url("contracts_user_change", kanrisha.pk))
    form = page.context["adminform"].form
    assert form.fields["role"].disabled and form.fields["is_active"].disabled
    assert "ご自身のアカウントでは変更できません。" in page_text(page)
    # A forged POST: role lowered, is_active left out (unticked).
    response = client.post(
        url("contracts_user_change", kanrisha.pk),
        {"username": kanrisha.username, "email": "new@example.ne.jp", "role": "etsuran"},
    )
    assert response.status_code == 302
    kanrisha.refresh_from_db()
    assert kanrisha.is_active and roles.role_of(kanrisha) == KANRISHA
    assert kanrisha.email == "new@example.ne.jp"  # the rest of the form is saved
    assert not AuditEntry.objects.filter(action="account.role").exists()


def test_b5_the_service_refuses_raising_one_s_own_role(uketsuke):
    with pytest.raises(roles.RoleChangeRefused, match="ご自身の権限を上げることはできません"):
        roles.set_operator_role(account=uketsuke, role=KANRISHA, operator=uketsuke, ip=None)
    assert roles.role_of(uketsuke) == UKETSUKE
    assert not AuditEntry.objects.exists()


def test_b5_uketsuke_reads_operator_accounts_but_does_not_manage_them(uketsuke, kanrisha):
    client = client_of(uketsuke)
    page = client.get(url("contracts_user_change", kanrisha.pk))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert edit_operator(client, kanrisha, role="etsuran").status_code == 403
    assert add_operator(client).status_code == 403
    assert client.get(url("auth_user_password_change", kanrisha.pk)).status_code == 403
    assert roles.role_of(kanrisha) == KANRISHA
    assert not User.objects.filter(username="suzuki").exists()
