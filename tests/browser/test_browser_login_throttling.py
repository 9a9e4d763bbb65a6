"""D1.2 in a real browser: five wrong passwords lock the ID, not the address, and not the
browser that logged in to it before (device cookies); the back office counts apart.

Every browser here is at the test's address (127.0.0.1), like colleagues behind one office
NAT: each is a fresh Chromium context (its own cookie jar) unless it logged in before.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from madoguchi.contracts.services import DESK_LOGINS
from madoguchi.contracts.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser

GENERIC_LOGIN_ERROR = "認証IDまたはパスワードが正しくありません。"
ID_LOCKED = (
    "この認証IDへのログインに続けて失敗したため、15分間ログインを停止しています。"
    "しばらくしてから再度お試しください。"
)
OPERATOR_PASSWORD = "Operator-pass-123"  # OperatorFactory's


def expect_status_page(page: Page, customer) -> None:
    expect(page).to_have_url(re.compile(r"/desk/$"))
    expect(page.locator("p.greeting")).to_contain_text(f"{customer.contract.name}様")


def log_out(page: Page) -> None:
    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_role("status")).to_have_text("ログアウトしました。")


def test_d1_2_five_failures_lock_the_id_not_the_address_nor_a_known_browser(
    new_page, log_in, customer, other_customer, operator
):
    # The customer's own browser logged in before (and out): it holds a device cookie.
    own = new_page()
    assert log_in(own, customer.username, TEST_PASSWORD).status == 302
    expect_status_page(own, customer)
    log_out(own)
    device_cookies = [c for c in own.context.cookies() if c["name"] == DESK_LOGINS.cookie_name]
    assert len(device_cookies) == 1
    assert device_cookies[0]["httpOnly"] and device_cookies[0]["sameSite"] == "Lax"

    # Someone else, in another browser at the same address, fails five times on that ID.
    stranger = new_page()
    for attempt in range(1, 5):
        assert log_in(stranger, customer.username, f"Wrong-{attempt}").status == 200
        expect(stranger.get_by_role("alert")).to_have_text(GENERIC_LOGIN_ERROR)
    assert log_in(stranger, customer.username, "Wrong-5").status == 429
    expect(stranger.get_by_role("alert")).to_have_text(ID_LOCKED)

    # A fresh browser is told the ID is locked, even with the right password.
    fresh = new_page()
    assert log_in(fresh, customer.username, TEST_PASSWORD).status == 429
    expect(fresh.get_by_role("alert")).to_have_text(ID_LOCKED)
    expect(fresh.get_by_role("button", name="ログイン")).to_be_visible()
    fresh.goto("/desk/")
    expect(fresh).to_have_url(re.compile(r"/desk/login/\?next=/desk/$"))

    # Another ID logs in from the same address.
    colleague = new_page()
    assert log_in(colleague, other_customer.username, TEST_PASSWORD).status == 302
    expect_status_page(colleague, other_customer)

    # So does the back office.
    back_office = new_page()
    back_office.goto("/backoffice/login/")
    back_office.locator("#id_username").fill(operator.username)
    back_office.locator("#id_password").fill(OPERATOR_PASSWORD)
    back_office.get_by_role("button", name="ログイン").click()
    expect(back_office).to_have_url(re.compile(r"/backoffice/$"))
    expect(back_office.get_by_role("heading", name="業務メニュー")).to_be_visible()

    # And the browser that logged in to the locked ID before still does.
    assert log_in(own, customer.username, TEST_PASSWORD).status == 302
    expect_status_page(own, customer)
