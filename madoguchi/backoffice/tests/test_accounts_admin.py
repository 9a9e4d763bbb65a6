"""Login accounts: operators are created and edited here; desk credentials are read only."""

import pytest
from django.test import Client

from madoguchi.audit.models import AuditEntry
from madoguchi.backoffice.tests.conftest import url
from madoguchi.contracts.models import User
from madoguchi.contracts.tests.pages import page_text

pytestmark = pytest.mark.django_db

NEW_OPERATOR_PASSWORD = "Kanri-pass-2024"


def add_operator(client, username="suzuki", **extra):
    data = {
        "username": username,
        "email": "suzuki@example.ne.jp",
        "password1": NEW_OPERATOR_PASSWORD,
        "password2": NEW_OPERATOR_PASSWORD,
        "role": "uketsuke",
        "_save": "保存",
        **extra,
    }
    return client.post(url("contracts_user_add"), data)


def test_b5_list_shows_operators_and_desk_logins_in_bounded_queries(
    operator_client, operator, customer, other_customer, django_assert_max_num_queries
):
    with django_assert_max_num_queries(13):
        response = operator_client.get(url("contracts_user_changelist"))
    assert response.status_code == 200
    text = page_text(response)
    for username in (operator.username, customer.username, other_customer.username):
        assert username in text
    assert "オペレーター" in text and "カスタマサポートデスク" in text


def test_b5_operator_account_is_created_audited_and_can_log_in(operator_client, operator):
    response = add_operator(operator_client)
    assert response.status_code == 302
    created = User.objects.get(username="suzuki")
    assert created.kind == User.Kind.OPERATOR
    assert created.is_staff and created.contract is None
    # B5: what a new operator may do is their role's, never a superuser's.
    assert not created.is_superuser
    assert [group.name for group in created.groups.all()] == ["受付"]
    assert created.password.startswith("argon2")
    entry = AuditEntry.objects.get(action="account.create")
    assert entry.actor == operator and entry.target == "suzuki"
    assert NEW_OPERATOR_PASSWORD not in str(entry.after) and created.password not in str(
        entry.after
    )

    fresh = Client()
    login = fresh.post(url("login"), {"username": "suzuki", "password": NEW_OPERATOR_PASSWORD})
    assert login.status_code == 302
    assert fresh.get(url("contracts_contract_changelist")).status_code == 200


def test_b5_operator_name_with_at_sign_or_weak_password_is_refused(operator_client):
    response = add_operator(operator_client, username="staff@biz.example.ne.jp")
    assert response.status_code == 200
    assert "「@」は使えません" in page_text(response)
    response = add_operator(operator_client, password1="short", password2="short")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not User.objects.filter(username__in=["suzuki", "staff@biz.example.ne.jp"]).exists()


def test_b5_operator_details_are_edited_and_audited(operator_client, operator):
    add_operator(operator_client)
    other = User.objects.get(username="suzuki")
    response = operator_client.post(
        url("contracts_user_change", other.pk),
        {
            "username": "suzuki",
            "last_name": "鈴木",
            "first_name": "一郎",
            "email": "ichiro@example.ne.jp",
            "role": "uketsuke",
            "_save": "保存",
        },  # is_active left out: deactivated
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert (other.last_name, other.email, other.is_active) == (
        "鈴木",
        "ichiro@example.ne.jp",
        False,
    )
    assert other.kind == User.Kind.OPERATOR and other.is_staff
    entry = AuditEntry.objects.get(action="account.update")
    assert entry.target == "suzuki" and "メールアドレス" in entry.after["変更項目"]
    # A deactivated operator cannot log in.
    fresh = Client()
    login = fresh.post(url("login"), {"username": "suzuki", "password": NEW_OPERATOR_PASSWORD})
    assert login.status_code == 200


def test_b4_desk_credential_is_shown_read_only_with_only_a_hash_summary(
    operator_client, customer, django_assert_max_num_queries
):
    page = url("contracts_user_change", customer.pk)
    with django_assert_max_num_queries(11):
        response = operator_client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    text = page_text(response)
    assert customer.username in text and customer.contract.customer_number in text
    assert "アルゴリズム" in text and "argon2" in text  # Django's read-only summary
    encoded_hash = customer.password.rsplit("$", 1)[-1]
    assert customer.password not in html and encoded_hash not in html
    assert "パスワードをリセット" not in text and "../password/" not in html
    assert 'name="_save"' not in html  # view only
    response = operator_client.post(page, {"username": "changed@biz.example.ne.jp"})
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.username == "customer1@biz.example.ne.jp"


def test_b4_desk_password_cannot_be_set_in_the_back_office(operator_client, customer):
    """The desk password is also the RADIUS one: only the desk's change publishes it (P1)."""
    before = customer.password
    page = url("auth_user_password_change", customer.pk)
    assert operator_client.get(page).status_code == 403
    response = operator_client.post(
        page, {"password1": "Xyz-98765-long", "password2": "Xyz-98765-long"}
    )
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.password == before


def test_b5_operator_password_change_is_audited(operator_client, operator):
    add_operator(operator_client)
    other = User.objects.get(username="suzuki")
    response = operator_client.post(
        url("auth_user_password_change", other.pk),
        {
            "password1": "Another-pass-2024",
            "password2": "Another-pass-2024",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="account.update").get()
    assert entry.after["パスワード"] == "設定" and "Another-pass-2024" not in str(entry.after)


def test_b5_accounts_are_not_deleted(operator_client, customer):
    assert (
        operator_client.post(url("contracts_user_delete", customer.pk), {"post": "yes"}).status_code
        == 403
    )
    assert User.objects.filter(pk=customer.pk).exists()


def test_b5_customer_cannot_manage_accounts(customer_client):
    response = add_operator(customer_client)
    assert response.status_code == 302 and response["Location"].startswith(url("login"))
    assert not User.objects.filter(username="suzuki").exists()
