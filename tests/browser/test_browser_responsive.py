"""X6: the desk on a 360 px wide phone screen (screenshots kept for a person to look at)."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def expect_no_horizontal_scroll(page: Page, what: str) -> None:
    page.wait_for_load_state("load")  # measured with the stylesheet applied
    widths = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[1] == 360, f"{what}: the layout viewport is not 360 px wide: {widths}"
    assert widths[0] <= 360, f"{what}: the page scrolls sideways: {widths}"


def expect_near_top(page: Page, heading: str) -> None:
    """The page opens on its own content (its heading in the top third of the screen), not on
    a screenful of menu that hides it."""
    page.wait_for_load_state("load")  # the stylesheet applied
    box = page.get_by_role("heading", name=heading, level=1).bounding_box()
    assert box is not None and box["y"] < PHONE["viewport"]["height"] / 3, (heading, box)


def test_x6_desk_fits_a_360px_screen(new_page, log_in, customer, password, screenshot_dir):
    """X6: login, status (menu visible), password input with errors, confirm and completion
    fit in 360 px without horizontal scrolling; each is saved as a screenshot."""
    page = new_page(**PHONE)
    page.goto("/desk/login/")
    expect_no_horizontal_scroll(page, "login")
    page.screenshot(path=screenshot_dir / "phone-login.png", full_page=True)

    log_in(page, customer.username, password)
    expect(page).to_have_url(re.compile(r"/desk/$"))
    expect_near_top(page, "ご利用状況の確認")
    expect_no_horizontal_scroll(page, "status")
    menu = page.get_by_role("navigation", name="メニュー")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link", name="認証パスワード変更")).to_be_visible()
    expect(page.get_by_role("button", name="ログアウト")).to_be_in_viewport()
    page.screenshot(path=screenshot_dir / "phone-status.png", full_page=True)

    menu.get_by_role("link", name="認証パスワード変更").tap()
    expect(page).to_have_url(re.compile(r"/desk/password/$"))
    # The page opens on its own content, not on another screenful of menu.
    expect_near_top(page, "認証パスワードの変更")
    # Several rules broken at once: the longest error texts the page can show.
    page.get_by_label("現在の認証パスワード").fill("Wrong-99")
    page.get_by_label(re.compile(r"^新しい認証パスワード\s*<必須>$")).fill("Ａ#")
    page.get_by_label("新しい認証パスワード(確認用)").fill("x")
    with page.expect_navigation():
        page.get_by_role("button", name="次へ").tap()
    expect(page.locator(".errorlist li")).to_have_count(5)
    expect_no_horizontal_scroll(page, "password input with errors")
    page.screenshot(path=screenshot_dir / "phone-password-errors.png", full_page=True)

    page.get_by_label("現在の認証パスワード").fill(password)
    page.get_by_label(re.compile(r"^新しい認証パスワード\s*<必須>$")).fill("Nw-4821x")
    page.get_by_label("新しい認証パスワード(確認用)").fill("Nw-4821x")
    page.get_by_role("button", name="次へ").tap()
    expect(page).to_have_url(re.compile(r"/desk/password/confirm/$"))
    expect_no_horizontal_scroll(page, "password confirm")
    page.screenshot(path=screenshot_dir / "phone-password-confirm.png", full_page=True)

    page.get_by_role("button", name="登録").tap()
    expect(page).to_have_url(re.compile(r"/desk/password/complete/\d+/$"))
    expect(page.locator("#application-number")).to_have_text(re.compile(r"^A\d{8}$"))
    expect_no_horizontal_scroll(page, "password complete")
    page.screenshot(path=screenshot_dir / "phone-password-complete.png", full_page=True)
