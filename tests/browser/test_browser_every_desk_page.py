"""X6: every desk page fits a 360 px screen (defect 5: the status page's option table made the
page 378 px wide, with a column one character wide). Each page is opened with the longest
content the contract can have — four mail accounts with long addresses and virus check,
applications in progress and finished — and saved as a screenshot.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from madoguchi.applications.services import fail_application
from madoguchi.cancellation.seed import ensure_choices
from madoguchi.contracts.tests.factories import phone_pages
from madoguchi.mailboxes.tests.factories import MailboxFactory, submit
from tests.browser.test_browser_responsive import PHONE, expect_no_horizontal_scroll

pytestmark = pytest.mark.browser

LONG = "a-very-long-account.name_32chars"  # 32 characters, the longest allowed (D4.9)
NARROWEST_CELL_PX = 24  # "01" in the No. column; a one-character column is narrower


def expect_no_crushed_columns(page: Page, what: str) -> None:
    widths = page.evaluate(
        "() => [...document.querySelectorAll('main td, main th')]"
        ".filter(cell => cell.textContent.trim() && cell.offsetParent !== null)"
        ".map(cell => [cell.getBoundingClientRect().width, cell.textContent.trim()])"
    )
    crushed = [(round(width), text[:20]) for width, text in widths if width < NARROWEST_CELL_PX]
    assert not crushed, f"{what}: columns too narrow to read: {crushed}"


@pytest.fixture
def full_contract(customer, settings):
    """Slots 1–3 used (long addresses, virus check on two), slot 4 free; a pending change
    on slot 3 and a failed application with a long reason."""
    settings.MAILBOX_PROCESSING_DELAY_SECONDS = 600  # the applications stay pending
    contract = customer.contract
    for slot in (1, 2, 3):
        MailboxFactory(
            contract=contract,
            slot=slot,
            account=f"{LONG[:-1]}{slot}",
            host="arrow.example.ne.jp",
            virus_check=slot != 2,
        )
    pending = submit(customer, 3, "change", virus_check=False)
    failed = submit(customer, 4, "add", account="another-long-name.for-the-list")
    fail_application(failed, reason="ご希望のメールアカウントは既に使用されていたため、" * 3)
    phone_pages()
    return {"pending": pending, "failed": failed}


def billing_pages(customer) -> dict[str, str]:
    """D6.2, D6.3: a completed address change and a notice address awaiting confirmation."""
    from madoguchi.billing import services as billing

    address = billing.submit_billing_address(
        user=customer,
        values={
            "postal_code": "530-0001",
            "address": "大阪府大阪市北区梅田1丁目2-3 梅田センタービルディング南館" * 2,
            "company": "テスト商事ホールディングス株式会社",
            "department": "財務経理本部経理部",
            "addressee": "経理 花子",
        },
        submission_key="every-page-address",
    )
    notice = billing.submit_billing_notice(
        user=customer,
        method="mail",
        source="other",
        email="a-very-long-accounting-address.for-notices@example.org",
        submission_key="every-page-notice",
        link_base="http://testserver/",
    )
    return {
        "billing-address-complete": reverse("desk:billing_address_complete", args=[address.pk]),
        "billing-notice-complete": reverse("desk:billing_notice_complete", args=[notice.pk]),
    }


def test_x6_every_desk_page_fits_360px(
    new_page, log_in, customer, password, full_contract, screenshot_dir
):
    page = new_page(**PHONE)
    log_in(page, customer.username, password)
    pages = {
        "status": reverse("desk:status"),
        "password": reverse("desk:password"),
        "mail-list": reverse("mailboxes:list"),
        "mail-change": reverse("mailboxes:change", args=[1]),
        "mail-add": reverse("mailboxes:add", args=[4]),
        "mail-cancel": reverse("mailboxes:cancel", args=[3]),
        "mail-characters": reverse("mailboxes:characters"),
        "mail-complete-pending": reverse("mailboxes:complete", args=[full_contract["pending"].pk]),
        "mail-complete-failed": reverse("mailboxes:complete", args=[full_contract["failed"].pk]),
        **billing_pages(customer),
        **{f"phone-{t}": reverse("desk:phone", args=[t]) for t in ("setup", "fault")},
        **{f"phone-{t}": reverse("desk:phone", args=[t]) for t in ("billing", "procedures")},
        "contact-person": reverse("contacts:input"),
        "billing-card": reverse("payments:card"),
        **{
            name: reverse(f"desk:{name}")
            for name in (
                "billing",
                "billing_address",
                "billing_notice",
            )
        },
        "cancellation": reverse("cancellation:input"),
    }
    for name, url in pages.items():
        page.goto(url)
        expect_no_horizontal_scroll(page, name)
        expect_no_crushed_columns(page, name)
        page.screenshot(path=screenshot_dir / f"phone-{name}.png", full_page=True)

    # The steps in between: a virus check turned on (terms, confirm) and a delete's confirm.
    page.goto(reverse("mailboxes:change", args=[2]))
    page.get_by_label("ウィルスチェックサービスのみ変更申込みをする。").check()
    page.locator("#pattern-virus").get_by_label("利用する").check()
    with page.expect_navigation():
        page.get_by_role("button", name="次へ").tap()
    for name in ("mail-terms", "mail-confirm"):
        expect_no_horizontal_scroll(page, name)
        expect_no_crushed_columns(page, name)
        page.screenshot(path=screenshot_dir / f"phone-{name}.png", full_page=True)
        if name == "mail-terms":
            with page.expect_navigation():
                page.get_by_role(
                    "button", name="規約に同意してウィルスチェックサービスを申し込む"
                ).tap()
    page.goto(reverse("mailboxes:delete", args=[1]))
    expect_no_horizontal_scroll(page, "mail-delete-confirm")
    expect_no_crushed_columns(page, "mail-delete-confirm")
    page.screenshot(path=screenshot_dir / "phone-mail-delete-confirm.png", full_page=True)

    # 担当者連絡先 (D6.4): the confirm step with the longest values, and the completion page.
    page.goto(reverse("contacts:input"))
    long_address = "a-very-long-contact-address.for-the-phone-layout@example.co.jp"
    for name, value in {
        "name": "窓口 花子" * 10,
        "kana": "マドグチ　ハナコ" * 6,
        "department": "情報システム部 ネットワーク担当" * 6,
        "phone": "0120-123-456",
        "email": long_address,
        "email_confirm": long_address,
    }.items():
        page.locator(f"[name={name}]").fill(value)
    with page.expect_navigation():
        page.get_by_role("button", name="次へ").tap()
    for name in ("contact-person-confirm", "contact-person-complete"):
        expect_no_horizontal_scroll(page, name)
        expect_no_crushed_columns(page, name)
        page.screenshot(path=screenshot_dir / f"phone-{name}.png", full_page=True)
        if name == "contact-person-confirm":
            with page.expect_navigation():
                page.get_by_role("button", name="登録").tap()
    # The cancellation's confirm and completion pages (D5), with the long mail addresses.
    ensure_choices()  # a transactional test before may have flushed the migration's rows
    page.goto(reverse("cancellation:input"))
    for name in ("date", "reason", "reason_detail", "migration_reason"):
        page.locator(f"#id_{name}").select_option(index=1)
    page.locator("#id_contact_name").fill("コム太郎")
    page.locator("#id_contact_phone").fill("0120-123-456")
    page.locator("#id_contact_email").fill(f"{LONG}@example.com")
    page.locator("#id_contact_email_confirm").fill(f"{LONG}@example.com")
    page.locator("#id_remarks").fill("長い備考。" * 40)
    with page.expect_navigation():
        page.get_by_role("button", name="次へ ▶▶").tap()
    expect_no_horizontal_scroll(page, "cancellation-confirm")
    expect_no_crushed_columns(page, "cancellation-confirm")
    page.screenshot(path=screenshot_dir / "phone-cancellation-confirm.png", full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="申し込む").tap()
    assert "/desk/cancellation/complete/" in page.url
    expect_no_horizontal_scroll(page, "cancellation-complete")
    expect_no_crushed_columns(page, "cancellation-complete")
    page.screenshot(path=screenshot_dir / "phone-cancellation-complete.png", full_page=True)
