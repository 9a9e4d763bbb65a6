"""S5 in a real browser: inquiry → 確認 → 完了 with its number → the confirmation mail read
from a real local SMTP server (sent by a real worker) → an operator replies in the back
office → the reply mail; every page at 360 px without horizontal scroll, no CSP violation."""

import re

import pytest
from playwright.sync_api import Page, expect

from madoguchi.contracts.tests.factories import OperatorFactory
from madoguchi.inquiries.models import Inquiry
from madoguchi.notices.models import Product
from madoguchi.testing.workers import smtp_env, wait_for
from tests.browser.conftest import submit

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
OPERATOR_PASSWORD = "Operator-pass-123"


def required(label: str):
    return re.compile(rf"^{re.escape(label)}\s*<必須>$")


def expect_fits(page: Page, what: str) -> None:
    page.wait_for_load_state("load")
    widths = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1] == 360, f"{what}: the page scrolls sideways: {widths}"


def test_browser_s5_inquiry_to_reply_mail(new_page, smtp_server, task_worker, screenshot_dir):
    Product.objects.get_or_create(code="hikari", defaults={"name": "光アクセス"})
    task_worker(**smtp_env(smtp_server))
    page = new_page(**PHONE)

    page.goto("/support/")
    page.get_by_role("navigation", name="お客さまサポート").get_by_role(
        "link", name="お問い合わせ"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("お問い合わせ")
    expect(page.locator("ol.steps li[aria-current=step]")).to_have_text("STEP1 入力")
    expect(page.get_by_label("この欄には何も入力しないでください")).to_be_hidden()
    expect(page.locator("#category-login a")).to_have_attribute(
        "href", "/support/login/?next=/support/inquiry/"
    )
    expect_fits(page, "input")

    # The contract category needs a desk login: said beside the field.
    page.get_by_label(required("お問い合わせ種別")).select_option(
        label="ご契約内容・ご請求について"
    )
    page.get_by_label("商品").select_option(label="光アクセス")
    page.get_by_label(required("件名")).fill("<b>夜間</b>に速度が落ちます")
    page.get_by_label(required("お問い合わせ内容")).fill(
        "毎晩21時ごろから遅くなります。\n改善方法を教えてください。"
    )
    page.get_by_label(required("お名前")).fill("見本 太郎")
    page.get_by_label(required("メールアドレス")).fill("taro@example.com")
    page.get_by_label(required("メールアドレス（確認用）")).fill("taro@example.com")
    response = submit(page, page.get_by_role("button", name="次へ"))
    assert response.status == 200
    expect(page.locator("#id_category_errors")).to_contain_text("ログインしてからお送りください")
    expect(page.get_by_label(required("件名"))).to_have_value("<b>夜間</b>に速度が落ちます")
    expect_fits(page, "input with errors")

    page.get_by_label(required("お問い合わせ種別")).select_option(label="工事・故障について")
    submit(page, page.get_by_role("button", name="次へ"))
    expect(page).to_have_url(re.compile(r"/support/inquiry/confirm/$"))
    expect(page.locator("ol.steps li[aria-current=step]")).to_have_text("STEP2 確認")
    expect(page.locator("#inquiry-summary")).to_contain_text("<b>夜間</b>に速度が落ちます")
    expect(page.locator("#inquiry-summary")).to_contain_text("光アクセス")
    expect_fits(page, "confirm")
    page.screenshot(path=screenshot_dir / "inquiry-confirm-360.png", full_page=True)

    submit(page, page.get_by_role("button", name="送信する"))
    inquiry = Inquiry.objects.get()
    expect(page).to_have_url(re.compile(rf"/support/inquiry/complete/{inquiry.pk}/$"))
    expect(page.locator("ol.steps li[aria-current=step]")).to_have_text("STEP3 完了")
    expect(page.locator("#inquiry-number")).to_have_text(inquiry.number)
    expect_fits(page, "complete")
    page.screenshot(path=screenshot_dir / "inquiry-complete-360.png", full_page=True)

    # Reloading the completion page sends nothing again (X2).
    page.reload()
    expect(page.locator("#inquiry-number")).to_have_text(inquiry.number)

    wait_for(lambda: len(smtp_server.received) == 1, timeout=20)
    [received] = smtp_server.received
    assert received.rcpt_to == ["taro@example.com"]
    assert inquiry.number in received.subject
    assert "<b>夜間</b>に速度が落ちます" in received.text

    # An operator (受付) answers in the back office.
    operator = OperatorFactory(username="inquiry-desk")
    desk = new_page(viewport={"width": 1280, "height": 900})
    desk.goto("/backoffice/login/")
    desk.get_by_label("ユーザー名").fill(operator.username)
    desk.get_by_label("パスワード").fill(OPERATOR_PASSWORD)
    with desk.expect_navigation():
        desk.get_by_role("button", name="ログイン").click()
    desk.goto("/backoffice/inquiries/inquiry/")
    desk.get_by_role("link", name=inquiry.number).click()
    expect(desk.locator("#no-replies")).to_be_visible()
    desk.get_by_label("返信内容").fill("ご不便をおかけしております。\n設備を増強いたしました。")
    submit(desk, desk.get_by_role("button", name="返信する"))
    expect(desk.locator("#inquiry-replies")).to_contain_text("設備を増強いたしました。")
    expect(desk.locator(".field-status .readonly")).to_have_text("回答済")
    desk.screenshot(path=screenshot_dir / "inquiry-backoffice-reply.png", full_page=True)

    wait_for(lambda: len(smtp_server.received) == 2, timeout=20)
    reply = smtp_server.received[1]
    assert reply.rcpt_to == ["taro@example.com"]
    assert f"お問い合わせへの回答（{inquiry.number}）" in reply.subject
    assert "設備を増強いたしました。" in reply.text
    assert "<b>夜間</b>に速度が落ちます" in reply.text
