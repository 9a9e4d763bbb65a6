"""B2 in a real browser: a 管理者 writes a notice, watches the live preview (a script typed in
the body stays inert), publishes it with 「メール配信する」 and adds a status update — under
the strict CSP, at 1280 px and 360 px. The publications recorded are checked in the
database (the public detail page is another part of this issue)."""

import pytest
from playwright.sync_api import Page, expect

from madoguchi.notices.models import Notice, NoticeUpdate, Publication
from madoguchi.notices.seed import ensure_products
from tests.browser.test_browser_backoffice import DESKTOP, PHONE, back_office_login, widths

pytestmark = pytest.mark.browser

BODY = (
    "## 作業内容\n\n"
    "光アクセス設備の**定期点検**を行います。\n\n"
    "<script>window.pwned = true</script>\n\n"
    '<img src="x" onerror="window.pwned = true">\n\n'
    "[詳しくはこちら](javascript:window.pwned=true)"
)


def save_and_continue(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="保存して編集を続ける").click()


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["1280px", "360px"])
def test_b2_an_operator_writes_previews_publishes_and_updates_a_notice(
    new_page, operator, screenshot_dir, device
):
    ensure_products()
    page = new_page(**device)
    width = device["viewport"]["width"]
    back_office_login(page, operator.username)

    page.goto("/backoffice/notices/notice/add/")
    page.locator("#id_kind").select_option(label="工事")
    page.locator("#id_status").select_option(label="予定")
    page.locator("#id_title").fill("光アクセス設備の定期点検")
    page.get_by_label("光アクセス").check()
    page.get_by_label("メール", exact=True).check()
    page.locator("#id_area").fill("東京都千代田区の一部")
    page.locator("input[name=starts_at_0]").fill("2030-01-10")
    page.locator("input[name=starts_at_1]").fill("02:00")
    page.locator("input[name=ends_at_0]").fill("2030-01-10")
    page.locator("input[name=ends_at_1]").fill("05:00")

    # The live preview follows the typing (debounced), rendered as the public page renders.
    preview = page.locator("#notice-preview")
    page.locator("#id_body").press_sequentially("# 見出し", delay=20)
    expect(preview.locator("h3")).to_have_text("見出し")
    page.locator("#id_body").fill(BODY)
    expect(preview.locator("h4")).to_have_text("作業内容")
    expect(preview.locator("strong")).to_have_text("定期点検")
    expect(preview.locator("script, img, iframe")).to_have_count(0)
    expect(preview.locator("a")).to_have_text("詳しくはこちら")
    expect(preview.locator("a[href]")).to_have_count(0)  # the javascript: link lost its href
    assert page.evaluate("() => window.pwned") is None
    page.screenshot(path=screenshot_dir / f"notice-authoring-{width}-preview.png", full_page=True)

    save_and_continue(page)
    notice = Notice.objects.get()
    assert notice.published_at is None and notice.body.startswith("## 作業内容")
    expect(page.locator(".field-published_state")).to_contain_text("下書き")
    expect(preview.locator("strong")).to_have_text("定期点検")  # shown on the saved page too
    assert page.evaluate("() => window.pwned") is None

    # 「公開する」 with 「メール配信する」.
    publish = page.locator("form.notice-publish-form")
    publish.get_by_label("メール配信する").check()
    with page.expect_navigation():
        publish.get_by_role("button", name="公開する").click()
    expect(page.locator("ul.messagelist")).to_contain_text("公開しました（メール配信する）")
    expect(page.locator(".field-published_state")).to_contain_text("公開中")
    expect(page.locator(".notice-publications")).to_contain_text("掲載")

    # 「状況を更新」: 作業中, with its time and text.
    update = page.locator(".notice-status-update form")
    update.locator("input[name='update-at_0']").fill("2030-01-10")
    update.locator("input[name='update-at_1']").fill("02:05")
    update.get_by_label("状況").select_option(label="作業中")
    update.get_by_label("内容").fill("工事を開始しました。")
    update.get_by_label("メール配信する").check()
    with page.expect_navigation():
        update.get_by_role("button", name="状況を更新").click()
    expect(page.locator("ul.messagelist")).to_contain_text("状況を「作業中」に更新しました")
    expect(page.locator(".notice-history")).to_contain_text("2030/01/10(木) 02:05")
    expect(page.locator(".notice-history")).to_contain_text("工事を開始しました。")
    page.screenshot(path=screenshot_dir / f"notice-authoring-{width}-change.png", full_page=True)

    scroll_width, inner_width = widths(page)
    assert scroll_width <= inner_width, f"the page is {scroll_width} px wide"

    notice.refresh_from_db()
    assert notice.status == "in_progress" and notice.sequence == 1
    assert NoticeUpdate.objects.get().send_mail is True
    events = list(Publication.objects.order_by("pk").values_list("event", "status", "send_mail"))
    assert events == [("published", "scheduled", True), ("updated", "in_progress", True)]
    published = Publication.objects.order_by("pk").first()
    assert published.subject == "【工事】光アクセス設備の定期点検"
    assert "開始日時：2030/01/10(木) 02:00" in published.text
    assert "pwned" not in published.text


def test_b2_the_preview_button_works_without_javascript(new_page, operator, screenshot_dir):
    ensure_products()
    page = new_page(java_script_enabled=False, **DESKTOP)
    back_office_login(page, operator.username)
    page.goto("/backoffice/notices/notice/add/")
    page.locator("#id_body").fill("**太字**のお知らせ<script>window.pwned = true</script>")
    with page.expect_navigation():
        page.get_by_role("button", name="プレビュー").click()
    expect(page.locator("#notice-preview strong")).to_have_text("太字")
    expect(page.locator("#notice-preview script")).to_have_count(0)
    expect(page.locator("#id_body")).to_have_value(
        "**太字**のお知らせ<script>window.pwned = true</script>"
    )
    assert not Notice.objects.exists()
