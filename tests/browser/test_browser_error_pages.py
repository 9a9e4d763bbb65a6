"""Issue 6, defect 1 in a real browser: a form left open across logout and login, then
submitted, gets the Japanese CSRF page in the desk's layout; a wrong URL the Japanese 404."""

import re

import pytest
from playwright.sync_api import Locator, Page, Response, expect
from test_browser_responsive import PHONE, expect_no_horizontal_scroll

from madoguchi.lib import errors

pytestmark = pytest.mark.browser


def press(page: Page, button: Locator) -> Response:
    """Press a button; the response of the page it leads to."""
    with page.expect_navigation() as navigation:
        button.click()
    return navigation.value


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_issue6_defect1_form_left_open_across_logout_and_login(
    new_page, log_in, customer, password, screenshot_dir, screen
):
    options = PHONE if screen == "phone" else {"viewport": {"width": 1280, "height": 900}}
    page = new_page(**options)
    log_in(page, customer.username, password)
    page.goto("/desk/password/")
    page.get_by_label("現在の認証パスワード").fill(password)
    page.get_by_label(re.compile(r"^新しい認証パスワード\s*<必須>$")).fill("Nw-4821x")
    page.get_by_label("新しい認証パスワード(確認用)").fill("Nw-4821x")

    # Meanwhile, in another tab of the same browser: logout, and login again.
    other = page.context.new_page()
    other.goto("/desk/")
    press(other, other.get_by_role("button", name="ログアウト"))
    log_in(other, customer.username, password)
    other.close()

    response = press(page, page.get_by_role("button", name="次へ"))

    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("送信を受け付けられませんでした")
    expect(page.get_by_role("alert")).to_contain_text(errors.CSRF_FAILED)
    expect(page.get_by_role("navigation", name="メニュー")).to_be_attached()
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()
    for english in ("Forbidden", "CSRF verification failed"):
        expect(page.locator("body")).not_to_contain_text(english)
    if screen == "phone":
        expect_no_horizontal_scroll(page, "CSRF failure")
    page.screenshot(path=screenshot_dir / f"{screen}-csrf-failure.png", full_page=True)

    # 「前のページに戻ってやり直す」: the form again, and now it goes through.
    page.get_by_role("link", name="◀ 前のページに戻ってやり直す").click()
    expect(page).to_have_url(re.compile(r"/desk/password/$"))
    page.get_by_label("現在の認証パスワード").fill(password)
    page.get_by_label(re.compile(r"^新しい認証パスワード\s*<必須>$")).fill("Nw-4821x")
    page.get_by_label("新しい認証パスワード(確認用)").fill("Nw-4821x")
    press(page, page.get_by_role("button", name="次へ"))
    expect(page).to_have_url(re.compile(r"/desk/password/confirm/$"))


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_issue6_defect1_a_wrong_url_gets_the_japanese_404(new_page, screenshot_dir, screen):
    options = PHONE if screen == "phone" else {"viewport": {"width": 1280, "height": 900}}
    page = new_page(**options)
    response = page.goto("/no-such-page/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("ページが見つかりません")
    expect(page.locator(".site-header")).to_contain_text("カスタマサポートデスク")
    expect(page.get_by_role("link", name="カスタマサポートデスクへログイン")).to_be_visible()
    if screen == "phone":
        expect_no_horizontal_scroll(page, "404")
    page.screenshot(path=screenshot_dir / f"{screen}-404.png", full_page=True)
