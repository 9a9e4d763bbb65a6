"""The desk journey in a real browser: login → status → password change → cooldown → re-login."""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from madoguchi.applications.models import Application
from madoguchi.provisioning.models import RadCheck
from madoguchi.testing.workers import smtp_env, wait_for

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Nw-4821x"
GENERIC_LOGIN_ERROR = "認証IDまたはパスワードが正しくありません。"
WEEKDAYS = "月火水木金土日"

# D1.5: the left menu, in the seed's order (groups, then items).
MENU_GROUPS = [
    "ご利用状況",
    "各種変更のお申込み",
    "パスワード変更",
    "廃止のお申込み",
    "お電話での問い合わせ",
]
MENU_ITEMS = [
    "ご利用状況の確認",
    "ご請求関連",
    "お支払い方法（クレジットカードへ）",
    "「請求書」および「口座振替のお知らせ」送付先住所",
    "「口座振替のお知らせ」の送付方法",
    "担当者連絡先",
    "メールアカウントおよびウイルスチェック",
    "認証パスワード変更",
    "廃止申込",
    "設定方法について",
    "故障について",
    "請求料金について",
    "各種手続き・申し込み方法について",
]

LENGTH = "新しい認証パスワードは6文字以上8文字以下で入力してください。"
CHARACTERS = (
    "新しい認証パスワードに使用できない文字が含まれています。"
    "使用できる文字は半角の英字・数字と記号 "
    "! $ % & ' ( ) * + , - . / ; < = > ? [ ] ^ _ { } ` ~ です。"
)
COMPOSITION = (
    "新しい認証パスワードは、2文字以上のアルファベットと、"
    "1文字以上の数字または記号を含めてください。"
)
MISMATCH = "新しい認証パスワードと新しい認証パスワード(確認用)が一致しません。"
WRONG_CURRENT = "現在の認証パスワードが正しくありません。"
SAME_AS_CURRENT = "新しい認証パスワードには、現在の認証パスワードと異なるものを指定してください。"

CURRENT, NEW, CONFIRM = "current_password", "new_password", "new_password_confirm"


def rule_violations(password: str) -> list[tuple[str, dict, str, str]]:
    """D3.2: (what, the three fields, the field with the error, its message), one rule each."""

    def fields(new: str, confirm: str | None = None, current: str = password) -> dict:
        return {CURRENT: current, NEW: new, CONFIRM: new if confirm is None else confirm}

    return [
        ("5 characters", fields("Ab-12"), NEW, LENGTH),
        ("9 characters", fields("Abcd-1234"), NEW, LENGTH),
        ("full-width letter", fields("Ａbc-123"), NEW, CHARACTERS),
        ("full-width digit", fields("Abc-１23"), NEW, CHARACTERS),
        ("#", fields("Abc#1234"), NEW, CHARACTERS),
        ("@", fields("Abc@1234"), NEW, CHARACTERS),
        ('"', fields('Abc"1234'), NEW, CHARACTERS),
        ("space", fields("Abc 1234"), NEW, CHARACTERS),
        ("one letter", fields("A-123456"), NEW, COMPOSITION),
        ("no digit or symbol", fields("Abcdefgh"), NEW, COMPOSITION),
        ("confirmation differs", fields("Abc-1234", "Abc-1235"), CONFIRM, MISMATCH),
        ("wrong current", fields("Abc-1234", current="Wrong-99"), CURRENT, WRONG_CURRENT),
        ("new equals current", fields(password), NEW, SAME_AS_CURRENT),
    ]


def fill_password_form(page: Page, values: dict) -> None:
    page.get_by_label("現在の認証パスワード").fill(values[CURRENT])
    page.get_by_label(re.compile(r"^新しい認証パスワード\s*<必須>$")).fill(values[NEW])
    page.get_by_label("新しい認証パスワード(確認用)").fill(values[CONFIRM])
    # Waits for the next page: it may look like this one (the same form with an error).
    with page.expect_navigation():
        page.get_by_role("button", name="次へ").click()


def expect_step(page: Page, step: str) -> None:
    """X1: the step indicator shows the three steps, the given one current."""
    steps = page.locator("ol.steps li")
    expect(steps).to_have_text(["STEP1 入力", "STEP2 確認", "STEP3 完了"])
    expect(page.locator("ol.steps li[aria-current=step]")).to_have_text(step)


def expect_logout_button(page: Page) -> None:
    """D1.4: 「ログアウト」 is on every page."""
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()


def jp_datetime(value) -> str:
    local = timezone.localtime(value)
    return f"{local:%Y/%m/%d}({WEEKDAYS[local.weekday()]}) {local:%H:%M}"


def reload_until(page: Page, done, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out waiting for the page to change"
        time.sleep(0.2)
        page.reload()


def check_login_page(page: Page) -> None:
    """D1.1: 認証ID, the realm drop-down (「選択してください」 first), パスワード, ログイン."""
    page.goto("/desk/login/")
    expect(page.get_by_label("認証ID", exact=True)).to_be_visible()
    realm = page.get_by_label("@以降（ドメイン）")
    expect(realm.locator("option")).to_have_text(
        ["選択してください", "biz.example.ne.jp", "pc.example.ne.jp", "net.example.ne.jp"]
    )
    expect(realm).to_have_value("")
    expect(page.get_by_label("パスワード", exact=True)).to_have_attribute("type", "password")
    expect(page.get_by_role("button", name="ログイン")).to_be_visible()


def check_status_page(page: Page, contract) -> None:
    """D2.1, D1.5: greeting, notices, basic information, the menu in the seed's order."""
    expect(page).to_have_url(re.compile(r"/desk/$"))
    expect(page.locator("h1")).to_have_text("ご利用状況の確認")
    expect(page.locator("p.greeting")).to_contain_text(f"{contract.name}様")
    expect(page.get_by_text("【お客さまへのお知らせ】")).to_be_visible()
    expect(page.get_by_text("【注意事項】")).to_be_visible()
    expect(page.get_by_text("■お客様基本情報")).to_be_visible()
    info = page.locator("table.info").first
    for label, value in [
        ("お客様番号", contract.customer_number),
        ("サービス品目", contract.service_name),
        ("お名前（カナ）", contract.name_kana),
        ("郵便番号", contract.postal_code),
        ("ご住所", contract.address),
        ("部課名", contract.department),
        ("支払い方法", contract.get_payment_method_display()),
    ]:
        row = info.locator("tr", has=page.locator("th", has_text=label))
        expect(row.locator("td")).to_contain_text(value)
    menu = page.get_by_role("navigation", name="メニュー")
    expect(menu.locator("h2")).to_have_text(MENU_GROUPS)
    expect(menu.locator("li a")).to_have_text(MENU_ITEMS)
    expect_logout_button(page)


def check_each_rule(page: Page, password: str) -> None:
    """D3.2: each rule broken alone shows its own message beside its field; nothing stored."""
    for what, values, field, message in rule_violations(password):
        fill_password_form(page, values)
        errors = page.locator(".errorlist")
        expect(errors, what).to_have_count(1)
        expect(page.locator(f"#id_{field}_errors"), what).to_have_text(message)
        expect(page.locator(f"#id_{field}_errors"), what).to_be_visible()
        expect(page.locator(".alert.error"), what).to_have_count(0)
        # X5: passwords are not echoed back.
        for name in (CURRENT, NEW, CONFIRM):
            expect(page.locator(f"#id_{name}"), what).to_have_value("")
        expect_step(page, "STEP1 入力")
    assert not Application.objects.exists()


def test_d3_password_change_journey(
    page: Page, log_in, customer, password, smtp_server, task_worker, screenshot_dir
):
    """D1.1, D1.4, D1.5, D2.1, D2.2, D3.1–D3.5, X1, X2, X4: the whole password journey.

    The live server enqueues to the database task backend; a real worker is started only
    after the change, so the status page shows 反映中 deterministically until it publishes.
    """
    contract = customer.contract
    check_login_page(page)
    page.screenshot(path=screenshot_dir / "desktop-login.png", full_page=True)
    log_in(page, customer.username, password)
    check_status_page(page, contract)
    expect(page.get_by_text("お手続き中のお申込みはありません。")).to_be_visible()
    page.screenshot(path=screenshot_dir / "desktop-status.png", full_page=True)

    # D3.1: from the left menu to STEP1.
    page.get_by_role("navigation", name="メニュー").get_by_role(
        "link", name="認証パスワード変更"
    ).click()
    expect(page).to_have_url(re.compile(r"/desk/password/$"))
    expect_step(page, "STEP1 入力")
    expect(page.locator("#login-id")).to_have_text(customer.username)
    expect(page.locator("#caution")).to_contain_text("ご注意")
    expect_logout_button(page)
    check_each_rule(page, password)
    page.screenshot(path=screenshot_dir / "desktop-password-errors.png", full_page=True)

    # X1: a valid change → STEP2; 「戻る」 returns to STEP1 with the password fields empty.
    valid = {CURRENT: password, NEW: NEW_PASSWORD, CONFIRM: NEW_PASSWORD}
    fill_password_form(page, valid)
    expect(page).to_have_url(re.compile(r"/desk/password/confirm/$"))
    expect_step(page, "STEP2 確認")
    expect(page.locator("table.info")).to_contain_text(customer.username)
    expect(page.locator("body")).not_to_contain_text(NEW_PASSWORD)
    expect_logout_button(page)
    page.get_by_role("link", name="戻る").click()
    expect(page).to_have_url(re.compile(r"/desk/password/$"))
    expect_step(page, "STEP1 入力")
    for name in (CURRENT, NEW, CONFIRM):
        expect(page.locator(f"#id_{name}")).to_have_value("")
    assert not Application.objects.exists(), "nothing is changed before 「登録」"

    # Again, and 「登録」 → STEP3.
    fill_password_form(page, valid)
    expect_step(page, "STEP2 確認")
    page.get_by_role("button", name="登録").click()
    expect(page).to_have_url(re.compile(r"/desk/password/complete/\d+/$"))
    expect_step(page, "STEP3 完了")
    application = Application.objects.get()
    expect(page.locator("#application-number")).to_have_text(application.number)
    expect(page.locator("main")).to_contain_text("最大5分程度かかる場合があります")
    expect(page.locator("main")).to_contain_text("ネットワーク機器")
    expect_logout_button(page)
    page.screenshot(path=screenshot_dir / "desktop-complete.png", full_page=True)
    # X2: reloading the completion page creates nothing.
    page.reload()
    expect(page.locator("#application-number")).to_have_text(application.number)
    assert Application.objects.count() == 1

    # D2.2, D3.4: 反映中 while no worker has published the credential.
    page.get_by_role("link", name="TOPへ戻る").click()
    in_progress = page.locator("#in-progress tbody tr")
    expect(in_progress).to_have_count(1)
    expect(in_progress.locator("td")).to_have_text(
        [
            application.number,
            re.compile(r"\d{4}/\d\d/\d\d\(.\) \d\d:\d\d"),
            "認証パスワード変更",
            "反映中",
        ]
    )
    assert not RadCheck.objects.filter(username=customer.username).exists()

    # A worker comes up: the credential is published (P1) and the contact mail is sent (D3.5).
    task_worker(**smtp_env(smtp_server))
    reload_until(page, lambda: page.locator("#in-progress").count() == 0)
    expect(page.get_by_text("お手続き中のお申込みはありません。")).to_be_visible()
    row = RadCheck.objects.get(username=customer.username)
    assert row.attribute == "Crypt-Password"
    assert row.value.startswith("$6$") and NEW_PASSWORD not in row.value
    application.refresh_from_db()
    assert application.status == Application.Status.DONE

    wait_for(lambda: smtp_server.received, timeout=15)
    [mail] = smtp_server.received
    assert mail.rcpt_to == [contract.contact_email]
    assert application.number in mail.text
    parts = [part.get_content() for part in mail.message.walk() if not part.is_multipart()]
    assert len(parts) == 2  # text and HTML
    for secret in (NEW_PASSWORD, password):
        assert secret.encode() not in mail.raw
        assert not any(secret in part for part in parts)

    # D3.3: a second change is refused for an hour, saying from when it is possible.
    page.get_by_role("navigation", name="メニュー").get_by_role(
        "link", name="認証パスワード変更"
    ).click()
    customer.refresh_from_db()
    available_at = customer.password_changed_at + timedelta(hours=1)
    cooldown = page.locator("#cooldown")
    expect(cooldown).to_contain_text("約1時間は変更できません")
    expect(cooldown).to_contain_text(f"{jp_datetime(available_at)} 以降に再度お手続きください")
    expect(page.locator("#id_new_password")).to_have_count(0)

    # D1.4, D3.4: logout; the old password no longer logs in, the new one does.
    page.get_by_role("button", name="ログアウト").click()
    expect(page).to_have_url(re.compile(r"/desk/login/$"))
    page.goto("/desk/")
    expect(page).to_have_url(re.compile(r"/desk/login/"))
    log_in(page, customer.username, password)
    expect(page.get_by_role("alert")).to_have_text(GENERIC_LOGIN_ERROR)
    expect(page).to_have_url(re.compile(r"/desk/login/$"))
    log_in(page, customer.username, NEW_PASSWORD)
    check_status_page(page, contract)
    assert Application.objects.count() == 1
