"""D6.4 担当者連絡先 in a real browser: login → menu → 入力 (a mistake, then corrected) →
確認 → 戻る → 確認 → 登録 → 完了; a real worker carries it out, the mails are read from a real
local SMTP server, and the status page shows the new contact person."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from madoguchi.applications.models import Application
from madoguchi.contracts.models import Contract
from madoguchi.testing.workers import smtp_env, wait_for
from tests.browser.conftest import submit

pytestmark = pytest.mark.browser

CURRENT = {
    "contact_person_name": "窓口 太郎",
    "contact_person_kana": "マドグチ\u3000タロウ",
    "contact_person_department": "情報システム部",
    "contact_person_phone": "03-1234-5678",
    "contact_email": "taro@example.com",
}


def label(text: str, required: bool = True):
    return re.compile(rf"^{re.escape(text)}\s*<必須>$") if required else text


def expect_step(page: Page, step: str) -> None:
    expect(page.locator("ol.steps li")).to_have_text(["STEP1 入力", "STEP2 確認", "STEP3 完了"])
    expect(page.locator("ol.steps li[aria-current=step]")).to_have_text(step)
    menu = page.get_by_role("navigation", name="メニュー")
    expect(menu.locator("a[aria-current=page]")).to_have_text("担当者連絡先")


def table_rows(page: Page, selector: str) -> list[list[str]]:
    return page.locator(selector).evaluate(
        "t => [...t.rows].map(r => [...r.cells].map(c => c.innerText.trim()))"
    )


def test_browser_d6_4_contact_person_change_to_the_completion_mail(
    page: Page, log_in, customer, password, smtp_server, task_worker, screenshot_dir
):
    Contract.objects.filter(pk=customer.contract_id).update(**CURRENT)
    log_in(page, customer.username, password)
    page.get_by_role("navigation", name="メニュー").get_by_role("link", name="担当者連絡先").click()
    expect(page).to_have_url(re.compile(r"/desk/contact-person/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("担当者連絡先の変更")
    expect_step(page, "STEP1 入力")
    assert table_rows(page, "#contact-current") == [
        ["氏名", "窓口 太郎"],
        ["氏名（カナ）", "マドグチ\u3000タロウ"],
        ["部署名", "情報システム部"],
        ["電話番号", "03-1234-5678"],
        ["メールアドレス", "taro@example.com"],
    ]
    expect(page.get_by_label(label("氏名"))).to_have_value("窓口 太郎")

    # A mistake first: hiragana kana and a mistyped confirmation; the rest is kept.
    page.get_by_label(label("氏名")).fill("窓口 花子")
    page.get_by_label(label("氏名（カナ）")).fill("まどぐち はなこ")
    page.get_by_label("部署名").fill("総務部")
    page.get_by_label(label("電話番号")).fill("０３－９８７６－５４３２")
    page.get_by_label(label("メールアドレス")).fill("hanako@example.com")
    page.get_by_label(label("メールアドレス（確認用）")).fill("hanak0@example.com")
    response = submit(page, page.get_by_role("button", name="次へ"))
    assert response.status == 200
    expect(page.locator("#id_kana_errors")).to_have_text(
        "氏名（カナ）は全角カタカナで入力してください。"
    )
    expect(page.locator("#id_email_confirm_errors")).to_have_text(
        "メールアドレスとメールアドレス（確認用）が一致しません。"
    )
    expect(page.get_by_label("部署名")).to_have_value("総務部")
    assert not Application.objects.exists()

    # Corrected: half-width katakana is converted, the full-width number normalized.
    page.get_by_label(label("氏名（カナ）")).fill("ﾏﾄﾞｸﾞﾁ ﾊﾅｺ")
    page.get_by_label(label("メールアドレス（確認用）")).fill("hanako@example.com")
    submit(page, page.get_by_role("button", name="次へ"))
    expect(page).to_have_url(re.compile(r"/desk/contact-person/confirm/$"))
    expect_step(page, "STEP2 確認")
    expected_summary = [
        ["項目", "現在の登録内容", "変更後"],
        ["氏名", "窓口 太郎", "窓口 花子"],
        ["氏名（カナ）", "マドグチ\u3000タロウ", "マドグチ\u3000ハナコ"],
        ["部署名", "情報システム部", "総務部"],
        ["電話番号", "03-1234-5678", "03-9876-5432"],
        ["メールアドレス", "taro@example.com", "hanako@example.com"],
    ]
    assert table_rows(page, "#contact-summary") == expected_summary
    expect(page.locator("#mail-to li")).to_have_text(["taro@example.com", "hanako@example.com"])
    page.screenshot(path=screenshot_dir / "contact-person-confirm.png", full_page=True)

    # 「戻る」 keeps what was entered (X1); 「次へ」 again.
    page.get_by_role("link", name="◀ 戻る").click()
    expect_step(page, "STEP1 入力")
    expect(page.get_by_label(label("氏名（カナ）"))).to_have_value("マドグチ\u3000ハナコ")
    expect(page.get_by_label(label("電話番号"))).to_have_value("03-9876-5432")
    submit(page, page.get_by_role("button", name="次へ"))
    assert table_rows(page, "#contact-summary") == expected_summary

    submit(page, page.get_by_role("button", name="登録"))
    application = Application.objects.get()
    expect(page).to_have_url(re.compile(rf"/desk/contact-person/complete/{application.pk}/$"))
    expect_step(page, "STEP3 完了")
    expect(page.locator("#application-number")).to_have_text(application.number)
    expect(page.locator("#application-state")).to_contain_text(
        "担当者連絡先変更のお申込みを受け付けました。"
    )
    # Nothing is carried out before a worker runs (the status page still shows the old one).
    page.goto(reverse("desk:status"))
    expect(page.locator("#contact-person")).to_contain_text("窓口 太郎")
    expect(page.locator("#in-progress")).to_contain_text("担当者連絡先変更")

    task_worker(**smtp_env(smtp_server))
    wait_for(lambda: len(smtp_server.received) == 3, timeout=20)
    accepted = sorted(
        mail.rcpt_to[0] for mail in smtp_server.received if "受け付けました" in mail.subject
    )
    assert accepted == ["hanako@example.com", "taro@example.com"]
    [done] = [mail for mail in smtp_server.received if "完了" in mail.subject]
    assert done.rcpt_to == ["hanako@example.com"]
    assert application.number in done.subject
    assert "次のお申込みの処理が完了しました。" in done.text
    assert "氏名：窓口 花子" in done.text

    page.reload()
    assert table_rows(page, "#contact-person") == [
        ["氏名", "窓口 花子"],
        ["氏名（カナ）", "マドグチ\u3000ハナコ"],
        ["部署名", "総務部"],
        ["電話番号", "03-9876-5432"],
        ["メールアドレス", "hanako@example.com"],
    ]
    expect(page.locator("#finished")).to_contain_text("担当者連絡先変更")
    page.screenshot(path=screenshot_dir / "contact-person-status.png", full_page=True)
