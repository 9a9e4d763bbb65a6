"""S2 in a real browser: the support site's one login page takes an ISP mailbox address, a
desk credential (認証ID@realm) and a support ID; a desk credential's login there opens the
desk in the same browser without a new login; the desk asks support-site logins for a desk
credential; no CSP violation."""

import re
import secrets
from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from madoguchi.contracts.models import User
from madoguchi.mailboxes.tests.factories import MAIL_PASSWORD, MailboxFactory
from madoguchi.notices.tests.make import make_notice
from madoguchi.supportid.models import SupportAccount
from tests.browser.conftest import submit

pytestmark = pytest.mark.browser

LOGIN_LABEL = "お客さまサポートID（メールアドレス）または認証ID"
INVALID_LOGIN = "ID（メールアドレスまたは認証ID）またはパスワードが正しくありません。"
SUPPORT_PASSWORD = "correct horse battery"


def sign_in(page: Page, login: str, password: str, next_page: str = ""):
    page.goto("/support/login/" + (f"?next={next_page}" if next_page else ""))
    page.get_by_label(LOGIN_LABEL).fill(login)
    page.get_by_label("パスワード", exact=True).fill(password)
    return submit(page, page.get_by_role("button", name="ログイン"))


def expect_support_header_logged_in(page: Page) -> None:
    header = page.locator("header.support-header")
    expect(header.get_by_role("link", name="マイメニュー")).to_be_visible()
    expect(header.get_by_role("button", name="ログアウト")).to_be_visible()
    expect(header.get_by_role("link", name="ログイン")).to_have_count(0)


def test_browser_s2_mailbox_then_desk_credential_one_session_for_both_sites(
    page: Page, customer, password
):
    mailbox = MailboxFactory(account="abcdefg", host="arrow.example.ne.jp")
    make_notice("会員限定の工事 千代田区", members_only=True)

    # The page: one ID field, the password, and the three links.
    page.goto("/support/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("お客さまサポート ログイン")
    for name in ("パスワードを忘れました", "IDを忘れました", "新規登録"):
        expect(page.locator("section.login-box").get_by_role("link", name=name)).to_be_visible()

    # A wrong mail password: the one generic message; the typed address is kept.
    response = sign_in(page, mailbox.address, "wrongpass99")
    assert response.status == 200
    expect(page.get_by_role("alert")).to_have_text(INVALID_LOGIN)
    expect(page.get_by_label(LOGIN_LABEL)).to_have_value(mailbox.address)
    expect(page.get_by_label("パスワード", exact=True)).to_have_value("")

    # The mailbox address and its mail password: logged in, on to the page asked for.
    response = sign_in(page, mailbox.address, MAIL_PASSWORD, next_page="/support/notices/")
    assert response.status == 302
    expect(page).to_have_url(re.compile(r"/support/notices/$"))
    expect_support_header_logged_in(page)
    expect(page.get_by_text("会員限定の工事 千代田区")).to_be_visible()

    # The desk admits desk credentials only: its login form, not the desk.
    page.goto("/desk/")
    expect(page).to_have_url(re.compile(r"/desk/login/\?next=/desk/$"))
    expect(page.get_by_label("認証ID", exact=True)).to_be_visible()

    # On the support site, a desk credential replaces the mailbox's login …
    page.goto("/support/login/")
    expect(page.locator("#logged-in-note")).to_contain_text(f"「{mailbox.address}」で")
    response = sign_in(page, customer.username, password)
    assert response.status == 302
    expect(page).to_have_url(re.compile(r"/support/mymenu/$"))

    # … and the desk opens in the same browser without a new login.
    page.goto("/desk/")
    expect(page).to_have_url(re.compile(r"/desk/$"))
    expect(page.locator("p.greeting")).to_contain_text(f"{customer.contract.name}様")
    page.goto("/support/")
    expect_support_header_logged_in(page)


def test_browser_s2_support_id_logs_in_on_the_support_site(page: Page):
    user = User(
        username=f"support:{secrets.token_hex(8)}",
        kind=User.Kind.SUPPORT,
        email="hanako.suzuki@example.com",
    )
    user.set_password(SUPPORT_PASSWORD)
    user.save()
    SupportAccount.objects.create(
        user=user,
        email="hanako.suzuki@example.com",
        name="鈴木花子",
        birth_date=date(1985, 6, 15),
        confirmed_at=timezone.now(),
    )

    response = sign_in(page, "hanako.suzuki@example.com", "not the password")
    assert response.status == 200
    expect(page.get_by_role("alert")).to_have_text(INVALID_LOGIN)

    # Typed with capitals: the address is the same support ID. On to マイメニュー.
    response = sign_in(page, "Hanako.Suzuki@Example.com", SUPPORT_PASSWORD)
    assert response.status == 302
    expect(page).to_have_url(re.compile(r"/support/mymenu/$"))
    page.goto("/support/")
    expect_support_header_logged_in(page)

    # The desk is not for support IDs: its login form.
    page.goto("/desk/")
    expect(page).to_have_url(re.compile(r"/desk/login/\?next=/desk/$"))

    # ログアウト on the support site ends the session.
    page.goto("/support/")
    page.locator("header.support-header").get_by_role("button", name="ログアウト").click()
    expect(page.locator("#message")).to_have_text("ログアウトしました。")
    expect(
        page.locator("header.support-header").get_by_role("link", name="ログイン")
    ).to_be_visible()


def test_browser_s2_desk_credential_on_the_support_site_opens_the_desk(
    page: Page, customer, password
):
    response = sign_in(page, customer.username, password, next_page="/support/")
    assert response.status == 302
    expect(page).to_have_url(re.compile(r"/support/$"))
    expect_support_header_logged_in(page)
    page.goto("/desk/")
    expect(page).to_have_url(re.compile(r"/desk/$"))
    expect(page.locator("p.greeting")).to_contain_text(f"{customer.contract.name}様")
