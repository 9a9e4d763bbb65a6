"""S1, B3 in a real browser: FAQ browse → search with a half-width kana variant → the answer,
at 1280 px and 360 px, without sideways scrolling or CSP violations; an operator orders the
questions by dragging rows and previews one (B3)."""

import re

import pytest
from playwright.sync_api import Page, expect

from madoguchi.contracts.tests.factories import OperatorFactory
from madoguchi.faq.models import Category, Question
from madoguchi.faq.seed import ensure_faq

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def expect_no_horizontal_scroll(page: Page, width: int, what: str) -> None:
    page.wait_for_load_state("load")  # measured with the stylesheet applied
    scroll, client = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert client == width, f"{what}: the viewport is not {width} px wide: {client}"
    assert scroll <= width, f"{what}: the page scrolls sideways: {scroll} > {width}"


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["1280px", "360px"])
def test_s1_faq_browse_search_and_answer(new_page, live_server, screenshot_dir, device):
    ensure_faq()
    width = device["viewport"]["width"]
    page = new_page(**device)
    page.goto("/support/")
    page.get_by_role("navigation", name="お客さまサポート").get_by_role(
        "link", name="よくあるご質問"
    ).click()
    expect(page).to_have_url(re.compile(r"/support/faq/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("よくあるご質問")
    headings = page.locator("section.faq-category h2")
    expect(headings).to_have_text(
        ["サイトの閲覧に関して", "ログインに関して", "工事・故障情報メールに関して",
         "お問い合わせに関して"]
    )  # fmt: skip
    expect_no_horizontal_scroll(page, width, "FAQ index")
    page.screenshot(path=screenshot_dir / f"faq-{width}-index.png", full_page=True)

    # Browse: a category's question opens its own page.
    page.get_by_role("link", name="お客さまサポートIDとは何ですか?").click()
    expect(page).to_have_url(re.compile(r"/support/faq/\d+/$"))
    expect(page.locator("#answer")).to_contain_text("当サイトにログインするためのIDです。")
    expect_no_horizontal_scroll(page, width, "a question")

    # Search with half-width katakana and a second word: the forgotten password question.
    box = page.get_by_role("searchbox", name="キーワードで探す")
    box.fill("ﾊﾟｽﾜｰﾄﾞ　忘れ")
    with page.expect_navigation():
        page.get_by_role("button", name="検索").click()
    results = page.locator("#faq-results")
    expect(results).to_contain_text("該当するご質問：1件")
    expect(results.get_by_role("link", name="パスワードを忘れました。")).to_be_visible()
    expect(page.get_by_role("searchbox", name="キーワードで探す")).to_have_value("ﾊﾟｽﾜｰﾄﾞ　忘れ")
    expect_no_horizontal_scroll(page, width, "search results")
    page.screenshot(path=screenshot_dir / f"faq-{width}-results.png", full_page=True)

    results.get_by_role("link", name="パスワードを忘れました。").click()
    answer = page.locator("#answer")
    expect(answer).to_contain_text("「パスワードを忘れました」からお手続きください。")
    expect(answer.get_by_role("link", name="ログイン画面")).to_have_attribute(
        "href", "/support/login/"
    )
    expect(page.locator("#faq-related")).to_contain_text("パスワード以外の変更ができません。")
    expect(page.get_by_role("link", name="お問い合わせフォームへ")).to_have_attribute(
        "href", "/support/inquiry/"
    )
    expect_no_horizontal_scroll(page, width, "the answer")
    page.screenshot(path=screenshot_dir / f"faq-{width}-answer.png", full_page=True)

    # No hit: says so and offers the inquiry form; a 10,000-character query is answered.
    page.goto("/support/faq/?q=" + "x" * 10_000)
    results = page.locator("#faq-results")
    expect(results).to_contain_text("該当するご質問は見つかりませんでした。")
    expect(results.get_by_role("link", name="お問い合わせフォーム")).to_be_visible()
    expect_no_horizontal_scroll(page, width, "no hit")


def test_b3_operator_orders_questions_by_dragging_and_previews_one(new_page, live_server):
    ensure_faq()
    operator = OperatorFactory(username="faq-browser")
    category = Category.objects.get(name="サイトの閲覧に関して")
    first, second, third = category.questions.order_by("order")
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto("/backoffice/login/")
    page.get_by_label("ユーザー名").fill(operator.username)
    page.get_by_label("パスワード").fill("Operator-pass-123")
    with page.expect_navigation():
        page.get_by_role("button", name="ログイン").click()
    page.goto(f"/backoffice/faq/question/?category__id__exact={category.pk}")
    handles = page.locator(".faq-drag-handle")
    expect(handles).to_have_count(3)
    # Drag the last row onto the first: it becomes the first, and the numbers follow.
    handles.nth(2).drag_to(page.locator("#result_list tbody tr").nth(0))
    orders = page.locator("#result_list tbody input[name$='-order']")
    for index, value in enumerate(["10", "20", "30"]):
        expect(orders.nth(index)).to_have_value(value)
    rows = page.locator("#result_list tbody tr th a")
    expect(rows.nth(0)).to_have_text(third.question)
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    assert [q.pk for q in category.questions.order_by("order")] == [third.pk, first.pk, second.pk]

    # The preview is the public page with a banner, even for an unpublished question.
    Question.objects.filter(pk=second.pk).update(published=False)
    page.goto(f"/backoffice/faq/question/{second.pk}/change/")
    page.get_by_role("link", name="プレビュー").click()
    expect(page.locator("#preview-banner")).to_contain_text("まだ公開されていません")
    expect(page.locator("#answer")).to_contain_text(second.question)
