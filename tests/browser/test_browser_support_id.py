"""S2 in a real browser: registration 入力 → 確認 → 完了 → the confirmation mail read from a
real local SMTP server (sent by a real worker) → the link's 「登録を完了する」 button → the ID
works; password reset by mail; ID reminder; every page at 360 px without horizontal scroll,
no CSP violation."""

import re

import pytest
from django.contrib.auth import authenticate
from playwright.sync_api import Page, expect

from madoguchi.supportid.models import SupportAccount
from madoguchi.supportid.tests.journeys import NEW_PASSWORD, PASSWORD, make_support_id
from madoguchi.testing.workers import smtp_env, wait_for
from tests.browser.conftest import submit

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
LINK = re.compile(r"https?://\S+")


def required(label: str):
    return re.compile(rf"^{re.escape(label)}\s*<必須>$")


def expect_fits(page: Page, what: str) -> None:
    page.wait_for_load_state("load")
    widths = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1] == 360, f"{what}: the page scrolls sideways: {widths}"


def link_in(mail, fragment: str) -> str:
    text = mail.text.replace("\r\n", "\n")
    [found] = [link for link in LINK.findall(text) if fragment in link]
    return found


def test_browser_s2_registration_mail_confirm_and_login(
    new_page, smtp_server, task_worker, screenshot_dir
):
    task_worker(**smtp_env(smtp_server))
    page = new_page(**PHONE)
    page.goto("/support/")
    page.get_by_role("link", name="新規登録").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("お客さまサポートIDの新規登録")
    expect(page.locator("ol.steps li[aria-current=step]")).to_have_text("STEP1 入力")
    expect_fits(page, "input")

    # A few mistakes first: each message beside its field, the typed values kept.
    page.get_by_label(required("メールアドレス")).fill("Hanako@Example.com")
    page.get_by_label(required("メールアドレス（確認用）")).fill("hanako@example.net")
    page.get_by_label(required("お名前")).fill("見本 花子")
    page.get_by_label("生年月日（年）").select_option("1990")
    page.get_by_label("生年月日（月）").select_option("2")
    page.get_by_label("生年月日（日）").select_option("30")
    page.get_by_label(required("パスワード")).fill("password")
    page.get_by_label(required("パスワード（確認用）")).fill("password")
    response = submit(page, page.get_by_role("button", name="次へ"))
    assert response.status == 200
    expect(page.locator("#id_email_confirm_errors")).to_have_text(
        "メールアドレスとメールアドレス（確認用）が一致しません。"
    )
    expect(page.locator("#id_birth_date_errors")).to_have_text(
        "生年月日に存在しない日付が選択されています（1990年2月30日）。"
    )
    expect(page.locator("#id_password_errors")).to_contain_text("よく使われていて推測されやすい")
    expect(page.get_by_label(required("お名前"))).to_have_value("見本 花子")
    expect(page.get_by_label(required("パスワード"))).to_have_value("")
    expect_fits(page, "input with errors")
    page.screenshot(path=screenshot_dir / "support-id-register-errors-360.png", full_page=True)

    page.get_by_label(required("メールアドレス（確認用）")).fill("hanako@example.com")
    page.get_by_label("生年月日（日）").select_option("14")
    page.get_by_label(required("パスワード")).fill(PASSWORD)
    page.get_by_label(required("パスワード（確認用）")).fill(PASSWORD)
    submit(page, page.get_by_role("button", name="次へ"))
    expect(page.locator("ol.steps li[aria-current=step]")).to_have_text("STEP2 確認")
    expect(page.locator("#register-summary")).to_contain_text("hanako@example.com")
    expect(page.locator("#register-summary")).to_contain_text("1990年2月14日")
    expect(page.locator("#register-summary")).not_to_contain_text(PASSWORD)
    expect_fits(page, "confirm")
    assert not SupportAccount.objects.exists()

    submit(page, page.get_by_role("button", name="登録する"))
    expect(page).to_have_url(re.compile(r"/support/register/done/$"))
    expect(page.locator("#register-state")).to_have_text("確認メールを送信しました。")
    expect_fits(page, "done")

    wait_for(lambda: len(smtp_server.received) == 1, timeout=20)
    [mail] = smtp_server.received
    assert mail.rcpt_to == ["hanako@example.com"]
    link = link_in(mail, "/register/confirm/")
    page.goto(link)
    expect(page.get_by_role("button", name="登録を完了する")).to_be_visible()
    assert SupportAccount.objects.get().confirmed_at is None  # opening the link is not enough
    expect_fits(page, "confirm link")
    submit(page, page.get_by_role("button", name="登録を完了する"))
    expect(page.locator("#confirm-state")).to_have_text("本登録が完了しました。")
    account = SupportAccount.objects.select_related("user").get()
    assert account.confirmed_at is not None and account.user.is_active
    assert authenticate(username=account.user.username, password=PASSWORD) == account.user

    # Log in on the support site with the new ID (the sign-in form takes its address).
    page.locator("#login-link").click()
    page.locator("#id_login").fill("hanako@example.com")
    page.locator("#id_password").fill(PASSWORD)
    submit(page, page.get_by_role("button", name="ログイン"))
    expect(page.get_by_role("heading", level=1)).to_have_text("マイメニュー")
    expect(page.locator("#logged-in-as")).to_contain_text("hanako@example.com")
    expect_fits(page, "mymenu")


def test_browser_s2_password_reset_journey(new_page, smtp_server, screenshot_dir):
    account = make_support_id("taro@example.com")
    page = new_page(**PHONE)
    page.goto("/support/register/")
    page.get_by_role("link", name="パスワードを忘れました").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("パスワードを忘れました")
    page.get_by_label(required("メールアドレス")).fill("taro@example")
    submit(page, page.get_by_role("button", name="送信する"))
    expect(page.locator("#id_email_errors")).to_have_text(
        "メールアドレスを正しい形式（例：taro@example.co.jp）で入力してください。"
    )
    page.get_by_label(required("メールアドレス")).fill("taro@example.com")
    submit(page, page.get_by_role("button", name="送信する"))
    expect(page.locator("#sent-state")).to_contain_text(
        "パスワードを再設定するためのURLをお送りしました"
    )
    expect_fits(page, "forgot sent")

    wait_for(lambda: len(smtp_server.received) == 1, timeout=20)
    link = link_in(smtp_server.received[0], "/password/reset/")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("パスワードの再設定")
    page.get_by_label(required("新しいパスワード")).fill(NEW_PASSWORD)
    page.get_by_label(required("新しいパスワード（確認用）")).fill(NEW_PASSWORD + "x")
    submit(page, page.get_by_role("button", name="再設定する"))
    expect(page.locator("#id_password_confirm_errors")).to_have_text(
        "パスワードとパスワード（確認用）が一致しません。"
    )
    expect_fits(page, "reset with errors")
    page.get_by_label(required("新しいパスワード")).fill(NEW_PASSWORD)
    page.get_by_label(required("新しいパスワード（確認用）")).fill(NEW_PASSWORD)
    submit(page, page.get_by_role("button", name="再設定する"))
    expect(page.locator("#reset-state")).to_have_text("パスワードを再設定しました。")
    page.screenshot(path=screenshot_dir / "support-id-reset-done-360.png", full_page=True)
    account.user.refresh_from_db()
    assert account.user.check_password(NEW_PASSWORD)

    # The link is spent: opening it again says so.
    page.goto(link)
    expect(page.locator("#token-state")).to_have_text(
        "このURLはすでに使用されたか、無効になっています。"
    )
    wait_for(lambda: len(smtp_server.received) == 2, timeout=20)
    assert "パスワードを再設定しました" in smtp_server.received[1].subject


def test_browser_s2_id_reminder_journey(new_page, smtp_server):
    make_support_id("taro@example.com")
    page = new_page(**PHONE)
    page.goto("/support/register/")
    page.get_by_role("link", name="IDを忘れました").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("IDを忘れました")
    page.get_by_label(required("メールアドレス")).fill("nobody@example.com")
    submit(page, page.get_by_role("button", name="送信する"))
    unknown = page.locator("#sent-state").inner_text()
    page.go_back()
    page.get_by_label(required("メールアドレス")).fill("taro@example.com")
    submit(page, page.get_by_role("button", name="送信する"))
    expect(page.locator("#sent-state")).to_have_text(unknown)  # the same answer either way
    expect_fits(page, "reminder sent")

    wait_for(lambda: len(smtp_server.received) == 1, timeout=20)
    [mail] = smtp_server.received
    assert mail.rcpt_to == ["taro@example.com"]
    assert "お客さまサポートIDは、このメールアドレスです。" in mail.text
    page.goto(link_in(mail, "/support/login/"))
    expect(page.get_by_role("button", name="ログイン")).to_be_visible()
