"""D1.1: the desk login page."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from madoguchi.contracts.tests.pages import (
    attr,
    control,
    dom,
    find_all,
    is_logged_in,
    login_data,
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


def test_d1_4_defect_10_logout_says_so_on_the_login_page(customer_client):
    """Issue 6, defect 10: after 「ログアウト」 the login page says 「ログアウトしました。」."""
    response = customer_client.post(reverse("desk:logout"), follow=True)
    assert response.redirect_chain == [(reverse("desk:login"), 302)]
    status = find_all(dom(response), lambda e: attr(e, "role") == "status")
    assert [text(element) for element in status] == ["ログアウトしました。"]
    assert not is_logged_in(customer_client)
    # Said once: the next visit to the login page is quiet.
    assert "ログアウトしました。" not in page_text(customer_client.get(reverse("desk:login")))


def test_d1_1_defect_10_a_deep_link_is_opened_after_login(client, customer, password):
    """Issue 6, defect 10: the login keeps ``next`` (set by the login redirect)."""
    deep_link = reverse("desk:phone", args=["fault"])
    redirected = client.get(deep_link)
    assert redirected["Location"] == f"{reverse('desk:login')}?next={deep_link}"
    response = client.post(redirected["Location"], login_data(customer.username, password))
    assert response.status_code == 302
    assert response["Location"] == deep_link
    assert client.get(deep_link).status_code == 200
    # Already logged in, the login page sends the browser on to ``next`` too.
    again = client.get(redirected["Location"])
    assert again.status_code == 302 and again["Location"] == deep_link


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/desk/",
        "//evil.example/desk/",
        "/\\evil.example/",
        "http://testserver/desk/phone/fault/",  # same host, but not a path
        "javascript:alert(1)",
        "desk/phone/fault/",
    ],
)
def test_d1_1_defect_10_next_outside_this_site_is_ignored(client, customer, password, target):
    response = client.post(
        reverse("desk:login") + "?" + urlencode({"next": target}),
        login_data(customer.username, password),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:status")


def test_d1_1_defect_10_next_survives_a_failed_attempt(client, customer, password):
    deep_link = reverse("mailboxes:list")
    login_url = reverse("desk:login") + "?" + urlencode({"next": deep_link})
    failed = client.post(login_url, login_data(customer.username, "Wrong-1"))
    assert failed.status_code == 200
    # The form posts back to the page's own address, ``next`` included.
    form = find_all(dom(failed), lambda e: e.name == "form" and attr(e, "method") == "post")
    assert [attr(f, "action") for f in form] == [None]
    response = client.post(login_url, login_data(customer.username, password))
    assert response["Location"] == deep_link
