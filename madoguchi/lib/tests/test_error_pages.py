"""Issue 6, defect 1: Japanese 400/403/CSRF/404/500 pages in the site's layout.

The desk's layout (header, and the menu and 「ログアウト」 for a logged-in customer) for
desk and public URLs; the back office's own look under /backoffice/; never Django's English
pages or developer help.
"""

import pytest
from django.contrib.auth.decorators import login_not_required
from django.test import Client, RequestFactory
from django.urls import path, reverse
from django.views.defaults import server_error

from madoguchi.contracts.tests.factories import OperatorFactory
from madoguchi.contracts.tests.pages import (
    attr,
    by_id,
    classes,
    csrf_token,
    dom,
    find_all,
    login_data,
    page_text,
    text,
)
from madoguchi.lib import errors
from madoguchi.urls import urlpatterns

ENGLISH = (
    "Forbidden",
    "CSRF verification failed",
    "Not Found",
    "Page not found",
    "Server Error",
    "Bad Request",
    "Django",
)


def assert_japanese_page(response, status: int, title: str) -> None:
    assert response.status_code == status
    html = response.content.decode()
    for english in ENGLISH:
        assert english not in html, f"{english!r} on the {status} page"
    root = dom(response)
    headings = find_all(root, lambda e: e.name == "h1")
    assert [text(h) for h in headings] == [title]


def assert_desk_layout(response, *, customer: bool) -> None:
    """The desk's header always; its menu and 「ログアウト」 only for a logged-in customer."""
    root = dom(response)
    headers = find_all(root, lambda e: e.name == "header" and "site-header" in classes(e))
    assert len(headers) == 1 and "カスタマサポートデスク" in text(headers[0])
    sheets = find_all(root, lambda e: e.name == "link" and attr(e, "rel") == "stylesheet")
    assert [attr(s, "href") for s in sheets] == ["/static/css/site.css"]
    menus = find_all(root, lambda e: e.name == "nav" and "side-menu" in classes(e))
    logouts = find_all(
        root, lambda e: e.name == "form" and attr(e, "action") == reverse("desk:logout")
    )
    if customer:
        assert len(menus) == 1 and "ご利用状況の確認" in text(menus[0])
        assert len(logouts) == 1 and text(logouts[0]) == "ログアウト"
    else:
        assert menus == [] and logouts == []


def assert_backoffice_layout(response) -> None:
    root = dom(response)
    assert text(by_id(root, "site-name")) == "madoguchi バックオフィス"
    assert find_all(root, lambda e: e.name == "header" and "site-header" in classes(e)) == []


def links(response) -> dict[str, str]:
    return {text(a): attr(a, "href") for a in find_all(dom(response), lambda e: e.name == "a")}


# --- 404 ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_issue6_defect1_404_for_a_visitor_is_japanese_in_the_desk_layout(client):
    response = client.get("/no-such-page/")
    assert_japanese_page(response, 404, "ページが見つかりません")
    assert errors.NOT_FOUND in page_text(response)
    assert_desk_layout(response, customer=False)
    assert links(response)["カスタマサポートデスクへログイン"] == reverse("desk:login")


@pytest.mark.parametrize(
    "url",
    [
        "/desk/no-such-page/",
        "/desk/password/complete/999999/",  # get_object_or_404 in a desk view
        "/desk/mail/complete/999999/",
    ],
)
def test_issue6_defect1_404_for_a_customer_keeps_the_menu_and_logout(customer_client, url):
    response = customer_client.get(url)
    assert_japanese_page(response, 404, "ページが見つかりません")
    assert_desk_layout(response, customer=True)
    assert links(response)["◀◀ TOPへ戻る"] == reverse("desk:status")


@pytest.mark.django_db
def test_s2_404_on_the_support_site_is_in_its_layout_without_the_desk_menu(client):
    """S2: a support-site page that is not there (or not the visitor's) stays in the support
    site's look; a mailbox login, whose user has a contract, never sees the desk's menu."""
    from madoguchi.contracts.models import User
    from madoguchi.contracts.tests.factories import DeskUserFactory

    response = client.get("/support/no-such-page/")
    assert_japanese_page(response, 404, "ページが見つかりません")
    assert b"support-header" in response.content and b"side-menu" not in response.content
    assert links(response)["お客さまサポートのトップへ"] == reverse("support:top")
    contract = DeskUserFactory(username="errors1@biz.example.ne.jp").contract
    mailbox_user = User.objects.create(
        username="mailbox:errors@arrow.example.ne.jp", kind=User.Kind.MAILBOX, contract=contract
    )
    client.force_login(mailbox_user)
    response = client.get("/support/mymenu/mail/")  # a support ID's page: 404 for a mailbox
    assert response.status_code == 404
    assert "ご利用状況の確認" not in page_text(response)
    assert links(response)["マイメニューへ"] == reverse("supportid:mymenu")


def test_issue6_defect1_404_in_the_back_office_is_japanese_in_its_look(client, operator):
    client.force_login(operator)
    response = client.get("/backoffice/no-such-page/")
    assert_japanese_page(response, 404, "ページが見つかりません")
    assert_backoffice_layout(response)
    assert "ログアウト" in page_text(response)  # the back office's user tools


# --- 403 ------------------------------------------------------------------------------------


def test_issue6_defect1_403_for_an_operator_on_the_desk(client, operator):
    client.force_login(operator)
    response = client.get(reverse("desk:status"))
    assert_japanese_page(response, 403, "ご利用いただけません")
    assert "カスタマサポートデスクの認証IDでログインしてください。" in page_text(response)
    assert_desk_layout(response, customer=False)


def test_issue6_defect1_403_for_a_customer_keeps_the_menu_and_logout(client, customer):
    customer.contract.online_password_change_allowed = False
    customer.contract.save()
    client.force_login(customer)
    response = client.get(reverse("desk:password"))
    assert_japanese_page(response, 403, "ご利用いただけません")
    assert "このお手続きはオンラインではご利用いただけません。" in page_text(response)
    assert_desk_layout(response, customer=True)


def test_issue6_defect1_403_in_the_back_office_is_japanese_in_its_look(client, operator):
    client.force_login(operator)
    response = client.get("/backoffice/contracts/contract/add/")  # contracts are never added
    assert_japanese_page(response, 403, "権限がありません")
    assert "このページを表示する権限、またはこの操作を行う権限がありません。" in page_text(response)
    assert_backoffice_layout(response)


# --- CSRF -----------------------------------------------------------------------------------


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True)


def csrf_explained(response) -> None:
    assert_japanese_page(response, 403, "送信を受け付けられませんでした")
    assert errors.CSRF_FAILED in page_text(response)
    assert errors.CSRF_RETRY in page_text(response)


@pytest.mark.django_db
def test_issue6_defect1_csrf_failure_at_login_is_japanese_with_a_way_back(browser, customer):
    """The login form open in two tabs: the other tab's login rotated the token."""
    browser.get(reverse("desk:login"))
    data = login_data(customer.username, "whatever") | {"csrfmiddlewaretoken": "x" * 64}
    response = browser.post(
        reverse("desk:login"), data, HTTP_REFERER="http://testserver/desk/login/?next=/desk/"
    )
    csrf_explained(response)
    assert errors.CSRF_NO_COOKIE not in page_text(response)
    assert_desk_layout(response, customer=False)
    assert links(response)["◀ 前のページに戻ってやり直す"] == "/desk/login/?next=/desk/"
    assert links(response)["カスタマサポートデスクへログイン"] == reverse("desk:login")


@pytest.mark.django_db
def test_issue6_defect1_csrf_failure_without_a_cookie_says_so(browser, customer):
    response = browser.post(reverse("desk:login"), login_data(customer.username, "whatever"))
    csrf_explained(response)
    assert errors.CSRF_NO_COOKIE in page_text(response)
    assert "◀ 前のページに戻ってやり直す" not in links(response)  # no Referer


@pytest.mark.django_db
def test_issue6_defect1_csrf_back_link_never_leaves_the_site(browser, customer):
    browser.get(reverse("desk:login"))
    response = browser.post(
        reverse("desk:login"),
        login_data(customer.username, "x") | {"csrfmiddlewaretoken": "x" * 64},
        HTTP_REFERER="https://evil.example.com/desk/login/",
    )
    csrf_explained(response)
    assert "◀ 前のページに戻ってやり直す" not in links(response)


def test_issue6_defect1_form_left_open_across_logout_and_login(browser, customer, password):
    """A form opened before a logout and a new login, then submitted: the CSRF page,
    in the layout of the customer who is logged in now, and nothing changed."""
    browser.force_login(customer)
    browser.get(reverse("desk:password"))
    stale = csrf_token(browser)
    browser.post(reverse("desk:logout"), {"csrfmiddlewaretoken": stale})
    browser.get(reverse("desk:login"))
    data = login_data(customer.username, password) | {"csrfmiddlewaretoken": csrf_token(browser)}
    assert browser.post(reverse("desk:login"), data).status_code == 302

    new = "Abc-1234"
    response = browser.post(
        reverse("desk:password"),
        {
            "current_password": password,
            "new_password": new,
            "new_password_confirm": new,
            "csrfmiddlewaretoken": stale,
        },
        HTTP_REFERER="http://testserver/desk/password/",
    )
    csrf_explained(response)
    assert_desk_layout(response, customer=True)
    assert links(response)["◀ 前のページに戻ってやり直す"] == reverse("desk:password")
    assert links(response)["◀◀ TOPへ戻る"] == reverse("desk:status")
    customer.refresh_from_db()
    assert customer.check_password(password)


@pytest.mark.django_db
def test_issue6_defect1_csrf_failure_in_the_back_office_is_in_its_look(browser):
    OperatorFactory(username="operator9")
    browser.get("/backoffice/login/")
    response = browser.post(
        "/backoffice/login/",
        {"username": "operator9", "password": "x", "csrfmiddlewaretoken": "x" * 64},
        HTTP_REFERER="http://testserver/backoffice/login/",
    )
    csrf_explained(response)
    assert_backoffice_layout(response)
    assert links(response)["前のページに戻ってやり直す"] == "/backoffice/login/"


# --- 500 and 400 ----------------------------------------------------------------------------


@login_not_required
def boom(request):
    raise RuntimeError("a fault")


urlpatterns = [path("boom/", boom), *urlpatterns]  # this module is the URLconf below


@pytest.mark.urls(__name__)
def test_issue6_defect1_500_is_japanese_in_the_desk_header(customer, settings):
    client = Client(raise_request_exception=False)
    client.force_login(customer)
    response = client.get("/boom/")
    assert_japanese_page(response, 500, "ただいまご利用いただけません")
    assert "しばらくしてから再度お試しください。" in page_text(response)
    assert_desk_layout(response, customer=False)  # no request context: header only


def test_issue6_defect1_500_renders_without_the_database():
    """No ``django_db`` mark: any query would fail this test."""
    response = server_error(RequestFactory().get("/desk/"))
    assert_japanese_page(response, 500, "ただいまご利用いただけません")
    assert_desk_layout(response, customer=False)


def test_issue6_defect1_400_is_japanese_in_the_desk_header(client):
    response = client.get("/", HTTP_HOST="portal.evil.example")  # not in ALLOWED_HOSTS
    assert_japanese_page(response, 400, "ページを表示できません")
    assert_desk_layout(response, customer=False)
