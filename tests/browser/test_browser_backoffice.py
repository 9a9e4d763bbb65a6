"""The back office in a real browser at 1280 px and 360 px (issue 6, defect 7; B5).

Every list and object page with data is opened: no page is wider than the screen, and at
1280 px no list or table is cut off inside its box. Each page is saved as a screenshot, and
so are the pages each role sees (the menu, a list, the 403 page).
"""

import pytest
from playwright.sync_api import Page, expect

from madoguchi.backoffice.roles import ETSURAN, UKETSUKE
from madoguchi.backoffice.tests.every_page import every_page, make_objects
from madoguchi.contracts.tests.factories import OperatorFactory

pytestmark = pytest.mark.browser

OPERATOR_PASSWORD = "Operator-pass-123"  # OperatorFactory's
# Work is only stored, never run: the application stays 受付 with its buttons.
STORED_ONLY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}

# Boxes inside the page that scroll sideways when their table is wider than they are.
SCROLLED_BOXES = """() => [...document.querySelectorAll('#content *')]
    .filter(e => e.scrollWidth > e.clientWidth + 1
                 && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
    .filter(e => e.tagName !== 'INPUT' && e.tagName !== 'TEXTAREA')
    .map(e => `${e.tagName}.${e.className} ${e.scrollWidth}>${e.clientWidth}`)"""


def back_office_login(page: Page, username: str) -> None:
    page.goto("/backoffice/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(OPERATOR_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="ログイン").click()
    expect(page.locator("#operator-role")).to_be_visible()


def widths(page: Page) -> tuple[int, int]:
    page.wait_for_load_state("load")  # measured with the stylesheets applied
    return tuple(page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]"))


def shot_name(path: str, width: int, role: str = "kanrisha") -> str:
    name = path.strip("/").removeprefix("backoffice").strip("/").replace("/", "-") or "index"
    return f"backoffice-{role}-{width}-{name}.png"


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["1280px", "360px"])
def test_issue6_every_back_office_page_fits_the_screen(
    new_page, customer, operator, screenshot_dir, device, settings
):
    """No page is wider than the screen; at 1280 px no list is cut off in its box either."""
    settings.TASKS = STORED_ONLY
    objects = make_objects(customer, operator)
    page = new_page(**device)
    width = device["viewport"]["width"]
    back_office_login(page, operator.username)
    problems = []
    for path in every_page(objects):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        scroll_width, inner_width = widths(page)
        if scroll_width > inner_width:
            problems.append(f"{path}: the page is {scroll_width} px wide")
        if width >= 1280:
            problems += [f"{path}: cut off: {box}" for box in page.evaluate(SCROLLED_BOXES)]
        page.screenshot(path=screenshot_dir / shot_name(path, width), full_page=True)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["1280px", "360px"])
def test_b5_each_role_s_back_office_and_the_403_page(
    new_page, customer, operator, screenshot_dir, device, settings
):
    """B5: 閲覧 is refused the audit log with the back office's own 403 page; 受付 reads it."""
    settings.TASKS = STORED_ONLY
    objects = make_objects(customer, operator)
    width = device["viewport"]["width"]
    for role in (ETSURAN, UKETSUKE):
        user = OperatorFactory(username=role.key, role=role)
        page = new_page(**device)
        back_office_login(page, user.username)
        expect(page.locator("#operator-role")).to_have_text(role.name)
        page.screenshot(path=screenshot_dir / shot_name("/", width, role.key), full_page=True)
        application = (
            f"/backoffice/applications/application/{objects['applications.application'].pk}/change/"
        )
        page.goto(application)
        offered = page.get_by_role("button", name="処理する")
        expect(offered).to_have_count(0 if role == ETSURAN else 1)
        page.screenshot(
            path=screenshot_dir / shot_name(application, width, role.key), full_page=True
        )
        response = page.goto("/backoffice/audit/auditentry/")
        assert response is not None
        if role == ETSURAN:
            assert response.status == 403
            expect(page.locator("h1")).to_have_text("権限がありません")
            expect(page.locator("#content-main")).to_contain_text("あなたの権限は「閲覧」です。")
            expect(page.get_by_role("link", name="業務メニューへ戻る")).to_be_visible()
        else:
            assert response.status == 200
            expect(page.locator("#result_list")).to_contain_text("ご契約の設定変更")
        assert widths(page)[0] <= width
        page.screenshot(path=screenshot_dir / shot_name("/audit/", width, role.key), full_page=True)
