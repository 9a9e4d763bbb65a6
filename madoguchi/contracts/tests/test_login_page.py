"""D1.1: the desk login page."""

import pytest
from django.urls import reverse

from madoguchi.contracts.tests.pages import (
    attr,
    control,
    dom,
    find_all,
    is_logged_in,
    page_text,
    post_login,
    text,
    walk,
)

pytestmark = pytest.mark.django_db


def realm_options(response) -> list[tuple[str, str]]:
    select = control(response, "realm")
    return [(attr(o, "value"), text(o)) for o in walk(select) if o.name == "option"]


def test_d1_1_login_page_has_id_realm_password_and_button(client):
    response = client.get(reverse("desk:login"))
    assert response.status_code == 200
    root = dom(response)
    labels = [text(label) for label in find_all(root, lambda e: e.name == "label")]
    assert labels == ["認証ID", "@以降（ドメイン）", "パスワード"]
    assert attr(control(response, "login_id"), "type") == "text"
    assert attr(control(response, "password"), "type") == "password"
    assert realm_options(response) == [
        ("", "選択してください"),
        ("biz.example.ne.jp", "biz.example.ne.jp"),
        ("pc.example.ne.jp", "pc.example.ne.jp"),
        ("net.example.ne.jp", "net.example.ne.jp"),
    ]
    buttons = [text(b) for b in find_all(root, lambda e: e.name == "button")]
    assert buttons == ["ログイン"]
    # Nobody is logged in, so there is no menu and no logout button yet.
    assert "ログアウト" not in page_text(response)


def test_d1_1_realms_are_read_from_the_setting(client, settings):
    settings.DESK_REALMS = ["alpha.example.jp", "beta.example.jp"]
    response = client.get(reverse("desk:login"))
    assert realm_options(response) == [
        ("", "選択してください"),
        ("alpha.example.jp", "alpha.example.jp"),
        ("beta.example.jp", "beta.example.jp"),
    ]


def test_d1_1_a_realm_removed_from_the_setting_cannot_log_in(client, settings, customer, password):
    settings.DESK_REALMS = ["pc.example.ne.jp"]
    response = post_login(client, customer.username, password)
    assert response.status_code == 200
    assert "@以降は一覧から選択してください。" in page_text(response)
    assert not is_logged_in(client)


def test_d1_1_login_with_id_realm_and_password_opens_the_status_page(client, customer, password):
    response = post_login(client, customer.username, password)
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:status")
    assert is_logged_in(client)
    # The 認証ID is accepted in any case, as typed on a phone.
    client.post(reverse("desk:logout"))
    response = post_login(client, customer.login_id.upper() + "@" + customer.realm, password)
    assert response.status_code == 302


def test_d1_1_logged_in_customer_visiting_login_goes_to_status(customer_client):
    response = customer_client.get(reverse("desk:login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:status")
