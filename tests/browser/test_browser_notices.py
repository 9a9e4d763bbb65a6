"""工事・故障情報 in a real browser (S1): list → filter → detail with its history, on a
desktop and a 360 px phone; and the desk's banner (D2) leading to a notice."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from madoguchi.notices.tests.make import Kind, Status, make_notice

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def expect_no_horizontal_scroll(page: Page, what: str) -> None:
    page.wait_for_load_state("load")  # measured with the stylesheet applied
    scroll, client = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= client, f"{what}: the page scrolls sideways: {scroll} > {client}"


@pytest.fixture
def notices():
    now = timezone.now()
    make_notice(
        "光アクセス 設備メンテナンス工事",
        products=("fiber",),
        area="東京都千代田区・中央区",
        body="工事時間中、**最大30分程度**インターネットに接続できなくなります。",
        starts_at=now + timedelta(days=7),
        ends_at=now + timedelta(days=7, hours=4),
    )
    make_notice(
        "DNS サーバー更改工事（中止）",
        status=Status.CANCELLED,
        products=("dns",),
        area="全国",
    )
    return make_notice(
        "メール 送受信がしにくい状況について（長い件名が折り返されることを確かめるための件名）",
        kind=Kind.OUTAGE,
        status=Status.RECOVERED,
        products=("mail", "dns"),
        area="全国（一部のお客さまを除く）",
        body=(
            "## 影響\n\n- 送受信に時間がかかる\n- エラーになる\n\n"
            "| 時刻 | 状況 |\n|---|---|\n| 02:00 | 発生 |"
        ),
        starts_at=now - timedelta(hours=5),
        ends_at=now - timedelta(hours=1),
        published_at=now - timedelta(minutes=10),
        updates=(
            (now - timedelta(hours=5), Status.OCCURRING, "故障が発生しました。"),
            (now - timedelta(hours=3), Status.OCCURRING, "原因を調査中です。"),
            (now - timedelta(hours=1), Status.RECOVERED, "復旧しました。"),
        ),
    )


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_s1_notice_list_filter_and_detail_with_history(new_page, notices, size, screenshot_dir):
    page = new_page(**(DESKTOP if size == "desktop" else PHONE))
    page.goto("/support/")
    page.get_by_role("navigation", name="お客さまサポート").get_by_role(
        "link", name="工事・故障情報"
    ).click()
    expect(page).to_have_url(re.compile(r"/support/notices/$"))
    expect(page.get_by_role("heading", name="工事・故障情報", level=1)).to_be_visible()
    expect(page.locator("#notices > li")).to_have_count(3)
    expect(page.locator("#members-note")).to_contain_text("ログインしたお客さまのみ")
    expect_no_horizontal_scroll(page, f"{size} list")
    page.screenshot(path=screenshot_dir / f"notices-list-{size}.png", full_page=True)

    # A wrong date first: the message beside the field, nothing listed.
    page.get_by_label("期間（開始日）").fill("2030-01-31")
    page.get_by_label("期間（終了日）").fill("2030-01-01")
    page.get_by_role("button", name="絞り込む").click()
    expect(page.locator("#id_until_errors")).to_have_text(
        "期間の終了日には開始日以降の日付を入力してください。"
    )
    expect(page.locator("#notices")).to_have_count(0)
    expect_no_horizontal_scroll(page, f"{size} list with an error")

    page.get_by_role("link", name="条件をクリア").click()
    page.get_by_label("種別").select_option(label="故障")
    page.get_by_label("対象商品").select_option(label="メール")
    page.get_by_label("キーワード").fill("ﾒｰﾙ　シニクイ")
    page.get_by_role("button", name="絞り込む").click()
    expect(page).to_have_url(re.compile(r"kind=outage"))
    expect(page.locator("#notices > li")).to_have_count(1)
    expect(page.get_by_label("種別")).to_have_value("outage")
    expect_no_horizontal_scroll(page, f"{size} filtered list")

    page.locator("#notices").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/support/notices/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("メール 送受信がしにくい")
    facts = page.locator("#facts")
    expect(facts).to_contain_text("メール、DNS")
    expect(facts).to_contain_text(re.compile(r"発生日時.*\d{4}/\d\d/\d\d\(.\) \d\d:\d\d"))
    history = page.locator("#history > li")
    expect(history).to_have_count(3)
    expect(history.nth(0)).to_contain_text("故障が発生しました。")
    expect(history.nth(1)).to_contain_text("原因を調査中です。")
    expect(history.nth(2)).to_contain_text("復旧")
    expect(page.locator(".notice-body table")).to_be_visible()
    expect_no_horizontal_scroll(page, f"{size} detail")
    page.screenshot(path=screenshot_dir / f"notices-detail-{size}.png", full_page=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_d2_desk_banner_leads_to_the_notice(
    new_page, log_in, customer, password, size, screenshot_dir
):
    make_notice("【故障】メール 送受信の遅延", kind=Kind.OUTAGE, products=("mail",))
    make_notice("【工事】Webホスティング 設備工事", products=("hosting",))
    page = new_page(**(DESKTOP if size == "desktop" else PHONE))
    log_in(page, customer.username, password)
    expect(page).to_have_url(re.compile(r"/desk/$"))
    banner = page.locator("#notice-banner")
    expect(banner).to_contain_text("ご利用中のサービスの工事・故障情報")
    expect(banner.get_by_role("link")).to_have_count(1)
    expect(banner).not_to_contain_text("Webホスティング")
    expect_no_horizontal_scroll(page, f"{size} desk status")
    page.screenshot(path=screenshot_dir / f"desk-notice-banner-{size}.png", full_page=True)
    banner.get_by_role("link", name="【故障】メール 送受信の遅延").click()
    expect(page).to_have_url(re.compile(r"/support/notices/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("【故障】メール 送受信の遅延")
    expect(page.locator("#facts")).to_contain_text("調査中")
