"""B2 in a real browser: a mailing's progress page follows the sending live — the progress
bar reaches the end and the chart of mails per second draws its points — without a reload,
under the strict CSP (the ``new_page`` fixture fails the test on any CSP violation). The
rows are marked in the test's thread as senders would mark them; the full journey (publish →
real workers → mail → unsubscribe) is built on this one.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from madoguchi.delivery.models import Delivery, Mailing
from madoguchi.delivery.tests.make import Status, add_progress, add_rows, make_mailing
from tests.browser.test_browser_backoffice import (
    DESKTOP,
    PHONE,
    STORED_ONLY,
    back_office_login,
    widths,
)

pytestmark = pytest.mark.browser

ROWS = 40


def page_url(mailing) -> str:
    return reverse("backoffice:delivery_mailing_change", args=[mailing.pk])


def send(mailing, number: int, at) -> None:
    """What a sender does with a batch: its rows marked sent, one Progress row."""
    ids = list(
        Delivery.objects.filter(publication_id=mailing.pk, status=Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[:number]
    )
    Delivery.objects.filter(pk__in=ids).update(status=Status.SENT, attempts=1, finished_at=at)
    add_progress(mailing, at, sent=len(ids))


def bar_value(page: Page) -> float:
    return page.locator("#mailing-bar").evaluate("bar => bar.value")


def test_b2_the_progress_page_follows_the_sending_to_the_end_without_reload(
    new_page,
    operator,
    screenshot_dir,
    settings,
):
    settings.TASKS = STORED_ONLY  # 「再開」 wakes senders: only stored here, nothing is sent
    start = timezone.now().replace(microsecond=0) - timedelta(minutes=1)
    mailing = make_mailing(started_at=start)
    add_rows(mailing, ROWS)
    page = new_page(**DESKTOP)
    back_office_login(page, operator.username)

    # From the publication's page to its mailing's page (「送信状況」).
    page.goto(reverse("backoffice:notices_publication_change", args=[mailing.pk]))
    with page.expect_navigation():
        page.get_by_role("link", name="送信中", exact=True).click()
    expect(page.locator("#mailing-state")).to_have_text("送信中")

    # 管理者 pauses and resumes (each a POST back to the page).
    with page.expect_navigation():
        page.get_by_role("button", name="一時停止").click()
    expect(page.locator("ul.messagelist")).to_contain_text("送信を一時停止しました")
    expect(page.locator("#mailing-state")).to_have_text("一時停止中")
    expect(page.get_by_role("button", name="一時停止")).to_be_hidden()
    with page.expect_navigation():
        page.get_by_role("button", name="再開").click()
    expect(page.locator("ul.messagelist")).to_contain_text("送信を再開しました")
    assert Mailing.objects.get(pk=mailing.pk).state == Mailing.State.SENDING

    # The page polls: nothing sent yet.
    root = page.locator(".mailing-progress")
    expect(root).to_have_attribute("data-polling", "on")
    expect(page.locator("#mailing-chart-caption")).to_have_text("まだ送信していません。")
    assert bar_value(page) == 0
    page.evaluate("() => { window.sameDocument = true; }")  # gone if the page reloads

    # Half of the rows are sent: batches in the 2nd and 3rd seconds of the run.
    send(mailing, 10, start + timedelta(seconds=1.5))
    send(mailing, 10, start + timedelta(seconds=2.5))
    expect(page.locator("#mailing-percent")).to_have_text("50")
    expect(page.locator('td[data-key="sent"]')).to_have_text("20")
    expect(page.locator('td[data-key="pending"]')).to_have_text("20")
    expect(page.locator("#mailing-chart")).to_have_attribute("data-points", "3")  # 0, 1, 2 s
    assert bar_value(page) == 50

    # One fails with its SMTP reply; the rest are sent and the mailing finishes.
    failed = Delivery.objects.filter(publication_id=mailing.pk, status=Status.PENDING).first()
    at = start + timedelta(seconds=3.5)
    Delivery.objects.filter(pk=failed.pk).update(
        status=Status.FAILED, attempts=1, finished_at=at, reply="552 5.2.2 Mailbox full"
    )
    add_progress(mailing, at, sent=0, failed=1)
    send(mailing, ROWS, at)
    Mailing.objects.filter(pk=mailing.pk).update(
        state=Mailing.State.FINISHED, finished_at=timezone.now()
    )
    expect(page.locator("#mailing-state")).to_have_text("完了")
    expect(root).to_have_attribute("data-polling", "stopped")
    expect(page.locator("#mailing-percent")).to_have_text("100")
    assert bar_value(page) == 100
    expect(page.locator('td[data-key="sent"]')).to_have_text("39")
    expect(page.locator('td[data-key="failed"]')).to_have_text("1")
    expect(page.locator("#mailing-failures")).to_contain_text("552 5.2.2 Mailbox full")
    expect(page.locator("#mailing-no-failures")).to_be_hidden()
    expect(page.locator("#mailing-chart")).to_have_attribute("data-points", "4")
    assert page.locator("#mailing-chart polyline").get_attribute("points").count(",") == 4
    expect(page.locator("#mailing-chart-caption")).to_contain_text("最大 19 通/秒")
    expect(page.get_by_role("button", name="一時停止")).to_be_hidden()
    expect(page.get_by_role("button", name="再開")).to_be_hidden()
    assert page.evaluate("() => window.sameDocument") is True  # updated in place
    page.screenshot(path=screenshot_dir / "mailing-progress-1280.png", full_page=True)


def test_b2_the_progress_page_fits_a_phone(
    new_page,
    operator,
    screenshot_dir,
):
    """At 360 px nothing scrolls sideways, long SMTP replies and addresses included."""
    mailing = make_mailing(state=Mailing.State.FINISHED, finished_at=timezone.now())
    add_rows(mailing, 5, status=Status.SENT, record=False)
    add_rows(
        mailing,
        3,
        status=Status.FAILED,
        reply="550 5.1.1 <a-very-long-mailbox-name-of-a-customer@example.com>: Recipient "
        "address rejected: User unknown in virtual mailbox table (" + "x" * 120 + ")",
        record=False,
    )
    start = mailing.started_at
    for second in range(30):
        add_progress(mailing, start + timedelta(seconds=second), sent=100 + second * 10)
    page = new_page(**PHONE)
    back_office_login(page, operator.username)
    page.goto(page_url(mailing))
    expect(page.locator(".mailing-progress")).to_have_attribute("data-polling", "stopped")
    expect(page.locator("#mailing-chart")).to_have_attribute("data-points", "30")
    expect(page.locator("#mailing-chart-caption")).to_contain_text("最大 390 通/秒")
    scroll_width, inner_width = widths(page)
    assert scroll_width <= inner_width, f"the page is {scroll_width} px wide"
    page.screenshot(path=screenshot_dir / "mailing-progress-360.png", full_page=True)
