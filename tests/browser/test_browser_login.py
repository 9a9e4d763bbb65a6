"""Desk login in a real browser: throttling and its unlock (D1.2), ended contracts (D1.3)."""

import re

import pytest
from playwright.sync_api import Page, expect

from madoguchi.contracts.services import unlock_login

pytestmark = pytest.mark.browser

GENERIC_LOGIN_ERROR = "認証IDまたはパスワードが正しくありません。"
ENDED_CONTRACT = (
    "ご契約の廃止手続きが完了しているため、カスタマサポートデスクにはログインできません。"
)


def expect_logged_out(page: Page) -> None:
    """The desk is not reachable: it sends the browser to the login page."""
    page.goto("/desk/")
    expect(page).to_have_url(re.compile(r"/desk/login/\?next=/desk/$"))


def test_d1_2_five_failures_lock_the_id_until_an_operator_unlocks(
    page: Page, log_in, customer, operator, password
):
    """D1.2: 5 wrong passwords lock the ID for 15 minutes for this (unknown) browser, even
    for the right password; after the operator's unlock (B4) the right password logs in."""
    for attempt in range(1, 5):
        response = log_in(page, customer.username, f"Wrong-{attempt}")
        assert response.status == 200, attempt
        expect(page.get_by_role("alert")).to_have_text(GENERIC_LOGIN_ERROR)
        # The typed ID and realm are kept, the password is not.
        expect(page.get_by_label("認証ID", exact=True)).to_have_value(customer.login_id)
        expect(page.get_by_label("@以降（ドメイン）")).to_have_value("biz.example.ne.jp")
        expect(page.get_by_label("パスワード", exact=True)).to_have_value("")
    # The fifth failure is the one that locks: the page already says so.
    response = log_in(page, customer.username, "Wrong-5")
    assert response.status == 429
    expect(page.get_by_role("alert")).to_contain_text("15分間")
    # Sixth attempt, now with the right password: still refused, with the same message.
    response = log_in(page, customer.username, password)
    assert response.status == 429
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("ログインに続けて失敗したため")
    expect(alert).to_contain_text("15分間ログインを停止しています")
    expect(page.get_by_role("button", name="ログイン")).to_be_visible()
    expect_logged_out(page)

    assert unlock_login(contract_or_user=customer.contract, operator=operator, ip=None) > 0
    response = log_in(page, customer.username, password)
    assert response.status == 302
    expect(page).to_have_url(re.compile(r"/desk/$"))
    expect(page.locator("p.greeting")).to_contain_text(f"{customer.contract.name}様")


def test_d1_3_ended_contract_cannot_log_in(page: Page, log_in, ended_customer, password):
    """D1.3: the right password of an ended contract is refused with a clear message."""
    response = log_in(page, ended_customer.username, password)
    assert response.status == 200
    expect(page.get_by_role("alert")).to_have_text(ENDED_CONTRACT)
    expect(page).to_have_url(re.compile(r"/desk/login/$"))
    expect_logged_out(page)


def test_csp_violations_are_caught_by_the_console_listener(page: Page, console):
    """Security (CSP): the check every browser test ends with can fail.

    A script inserts an off-site image; the page's Content-Security-Policy (img-src 'self')
    refuses it and Chromium reports the violation in the console, which the listener sees.
    """
    page.goto("/desk/login/")
    assert console.csp_violations == []
    with page.expect_console_message(lambda message: message.type == "error") as reported:
        page.evaluate(
            """() => {
                const img = document.createElement("img");
                img.src = "https://example.invalid/tracker.png";
                document.body.append(img);
            }"""
        )
    assert "Content Security Policy" in reported.value.text
    assert "img-src" in reported.value.text
    assert len(console.csp_violations) == 1
    console.messages.clear()  # expected here; the fixture's final check must still pass
