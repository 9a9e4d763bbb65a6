"""B2: a publication's delivery figures in the back office — selected, sent, failed,
bounced, suspended, unsubscribed — with a progress bar, mails per second over time, the
latest failures with their SMTP replies, and 「一時停止」/「再開」 for 管理者.

The rows are made directly (``tests/make.py``) as the senders leave them; the page, its JSON
and the buttons are read and pressed as an operator's browser does.
"""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.alerts.tests.factories import make_destination, make_support_account
from madoguchi.audit.models import AuditEntry
from madoguchi.backoffice.roles import ETSURAN, KANRISHA, UKETSUKE
from madoguchi.contracts.tests.factories import OperatorFactory
from madoguchi.contracts.tests.pages import attr, by_id, dom, find_all, page_text, text
from madoguchi.delivery.models import Delivery, Mailing
from madoguchi.delivery.progress import MAX_POINTS, counts, progress, series
from madoguchi.delivery.services import SKIP_GONE, SKIP_STOPPED
from madoguchi.delivery.tests.make import (
    Event,
    Status,
    add_progress,
    add_rows,
    make_mailing,
    make_publication,
)

pytestmark = pytest.mark.django_db

REFUSED = "550 5.1.1 <{}>: Recipient address rejected: User unknown"
FULL = "552 5.2.2 Mailbox full"


def page_url(mailing) -> str:
    return reverse("backoffice:delivery_mailing_change", args=[mailing.pk])


def json_url(mailing) -> str:
    return reverse("backoffice:delivery_mailing_progress", args=[mailing.pk])


def action_url(mailing, action: str) -> str:
    return reverse(f"backoffice:delivery_mailing_{action}", args=[mailing.pk])


def client_of(user, **options) -> Client:
    client = Client(**options)
    client.force_login(user)
    return client


@pytest.fixture
def etsuran(db):
    return OperatorFactory(username="progress-etsuran", role=ETSURAN)


@pytest.fixture
def uketsuke(db):
    return OperatorFactory(username="progress-uketsuke", role=UKETSUKE)


@pytest.fixture
def kanrisha(db):
    return OperatorFactory(username="progress-kanrisha", role=KANRISHA)


@pytest.fixture
def destinations(db):
    account = make_support_account("progress@example.com")
    return [make_destination(account, f"dest{slot}@example.com", slot=slot) for slot in (1, 2, 3)]


def a_mailing_of_every_kind(*, record: bool = True) -> Mailing:
    """15 rows: 6 sent (bounced soft and hard, a complaint, an unsubscribe, an auto-reply,
    one quiet), 2 failed, 3 skipped (2 stopped destinations, 1 deleted), 4 waiting."""
    mailing = make_mailing()
    for event in (
        Event.SOFT_BOUNCE,
        Event.HARD_BOUNCE,
        Event.COMPLAINT,
        Event.UNSUBSCRIBED,
        Event.AUTO_REPLY,
        Event.NONE,
    ):
        add_rows(mailing, status=Status.SENT, event=event, record=record)
    add_rows(mailing, 2, status=Status.FAILED, reply=FULL, record=record)
    add_rows(mailing, 2, status=Status.SKIPPED, reply=SKIP_STOPPED, record=record)
    add_rows(mailing, 1, status=Status.SKIPPED, reply=SKIP_GONE, record=record)
    add_rows(mailing, 4)
    return mailing


EVERY_KIND = {
    "selected": 15,
    "sent": 6,
    "failed": 2,
    "skipped": 3,
    "pending": 4,
    "bounced": 2,
    "stopped": 3,  # the complaint and the two rows of stopped destinations
    "unsubscribed": 1,
}


# --- the figures ------------------------------------------------------------------------------


def test_b2_counts_per_status_and_event_in_one_query(django_assert_num_queries):
    mailing = a_mailing_of_every_kind()
    other = make_mailing(make_publication("【故障】別の障害"))
    add_rows(other, 3, status=Status.SENT, event=Event.HARD_BOUNCE)  # never counted above
    with django_assert_num_queries(2):  # the batches' sums, the notable rows
        figures = counts(mailing)
    assert figures == EVERY_KIND
    assert counts(other) == {
        **dict.fromkeys(EVERY_KIND, 0),
        "selected": 3,
        "sent": 3,
        "bounced": 3,
    }


def test_b2_progress_gives_labels_percent_and_state():
    mailing = a_mailing_of_every_kind()
    data = progress(mailing)
    assert [(item["label"], item["value"]) for item in data["counts"]] == [
        ("配信対象", 15),
        ("送信済み", 6),
        ("送信失敗", 2),
        ("送信対象外", 3),
        ("送信待ち", 4),
        ("バウンス", 2),
        ("配信停止", 3),
        ("配信解除", 1),
    ]
    assert (data["done"], data["total"], data["percent"]) == (11, 15, 73.3)  # rounded down
    assert (data["state"], data["state_label"], data["active"]) == ("sending", "送信中", True)


@pytest.mark.parametrize(
    ("state", "label", "active"),
    [
        (Mailing.State.SELECTING, "対象を選択中", True),
        (Mailing.State.PAUSED, "一時停止中", True),
        (Mailing.State.FINISHED, "完了", False),
    ],
)
def test_b2_state_label_and_whether_the_page_keeps_polling(state, label, active):
    mailing = make_mailing(state=state)
    data = progress(mailing)
    assert (data["state_label"], data["active"]) == (label, active)


def test_b2_percent_is_100_only_when_every_row_is_done_or_the_mailing_finished():
    mailing = make_mailing()
    add_rows(mailing, 999, status=Status.SENT)
    add_rows(mailing, 1)
    assert progress(mailing)["percent"] == 99.9
    empty = make_mailing(make_publication("【故障】対象なし"), state=Mailing.State.FINISHED)
    assert progress(empty)["percent"] == 100
    assert (
        progress(make_mailing(make_publication("【故障】選択中"), state="selecting"))["percent"]
        == 0
    )


# --- mails per second -----------------------------------------------------------------------


def test_b2_series_sums_the_batches_per_second_with_gaps_at_zero():
    start = timezone.now().replace(microsecond=0) - timedelta(minutes=5)
    mailing = make_mailing(started_at=start + timedelta(microseconds=300_000))
    add_progress(mailing, start + timedelta(seconds=0.2), sent=100)
    add_progress(mailing, start + timedelta(seconds=0.9), sent=200, failed=3)
    add_progress(mailing, start + timedelta(seconds=3.1), sent=50)
    add_progress(make_mailing(make_publication("【工事】別")), start, sent=999)  # not this one
    assert series(mailing) == {"bucket": 1, "points": [[0, 300], [1, 0], [2, 0], [3, 50]]}


def test_b2_series_of_a_long_run_has_coarser_buckets_and_at_most_120_points():
    start = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    mailing = make_mailing(started_at=start)
    for second in range(0, 600, 3):  # 10 minutes of batches of 1,000 every 3 seconds
        add_progress(mailing, start + timedelta(seconds=second), sent=1000)
    add_progress(mailing, start + timedelta(seconds=599), sent=500)
    data = series(mailing)
    assert data["bucket"] == 5  # 600 s in 120 buckets
    assert len(data["points"]) == MAX_POINTS
    assert data["points"][0] == [0, 400.0]  # seconds 0 and 3: 2,000 mails in 5 s
    assert data["points"][-1] == [595, 300.0]  # 597 and 599: 1,500 in 5 s
    assert sum(rate for _, rate in data["points"]) * 5 == 200 * 1000 + 500
    # One more second than fits: 6-second buckets, still within the limit.
    add_progress(mailing, start + timedelta(seconds=600), sent=10)
    assert series(mailing)["bucket"] == 6
    assert len(series(mailing)["points"]) <= MAX_POINTS


def test_b2_series_without_batches_is_empty_and_starts_at_the_first_batch_if_unstarted():
    mailing = make_mailing(state=Mailing.State.SELECTING)
    assert series(mailing) == {"bucket": 1, "points": []}
    first = timezone.now() - timedelta(seconds=10)
    add_progress(mailing, first, sent=7)
    add_progress(mailing, first + timedelta(seconds=2), sent=3)
    assert series(mailing)["points"] == [[0, 7], [1, 0], [2, 3]]


# --- the failures -----------------------------------------------------------------------------


def test_b2_latest_failures_with_address_and_smtp_reply(destinations):
    mailing = make_mailing()
    now = timezone.now()
    add_rows(
        mailing,
        status=Status.FAILED,
        reply=REFUSED.format("dest1@example.com"),
        destinations=destinations[:1],
        finished_at=now - timedelta(minutes=2),
    )
    add_rows(
        mailing,
        status=Status.FAILED,
        reply=FULL,
        destinations=destinations[1:2],
        finished_at=now - timedelta(minutes=1),
    )
    gone = add_rows(mailing, status=Status.FAILED, reply="554 5.7.1 Rejected", finished_at=now)
    add_rows(mailing, 3, status=Status.SENT)
    failures = progress(mailing)["failures"]
    assert [(f["address"], f["reply"]) for f in failures] == [
        ("（削除された配信先）", "554 5.7.1 Rejected"),  # newest first; its destination is gone
        ("dest2@example.com", FULL),
        ("dest1@example.com", REFUSED.format("dest1@example.com")),
    ]
    assert failures[0]["id"] == gone[0].pk and failures[0]["attempts"] == 1


def test_b2_failures_are_the_latest_50_and_none_are_read_when_nothing_failed(
    django_assert_num_queries,
):
    mailing = make_mailing()
    now = timezone.now()
    for minute in range(55):
        add_rows(
            mailing,
            status=Status.FAILED,
            reply=f"550 5.1.1 failure {minute}",
            finished_at=now - timedelta(minutes=minute),
        )
    failures = progress(mailing)["failures"]
    assert len(failures) == 50
    assert failures[0]["reply"] == "550 5.1.1 failure 0"
    assert failures[-1]["reply"] == "550 5.1.1 failure 49"
    quiet = make_mailing(make_publication("【故障】失敗なし"))
    add_rows(quiet, 5, status=Status.SENT)
    with django_assert_num_queries(3):  # the counts (2) and the series: no failures' query
        assert progress(quiet)["failures"] == []


# --- the page -------------------------------------------------------------------------------


def busy_mailing(destinations) -> Mailing:
    """A mailing being sent: a batch a second for 5 seconds, a failure, rows waiting."""
    mailing = a_mailing_of_every_kind(record=False)
    add_rows(
        mailing,
        status=Status.FAILED,
        reply=REFUSED.format("dest3@example.com"),
        destinations=destinations[2:],
        record=False,
    )
    start = mailing.started_at.replace(microsecond=0)
    # The rows above, recorded by batches as senders record them: 6 sent (2, 1, 1, 1, 1),
    # the 3 skipped in the fourth second, the 3 failed in the fifth.
    for second in range(5):
        add_progress(
            mailing,
            start + timedelta(seconds=second, milliseconds=500),
            sent=2 if second == 0 else 1,
            skipped=3 if second == 3 else 0,
            failed=3 if second == 4 else 0,
        )
    return mailing


def test_b2_the_page_shows_subject_state_figures_bar_and_failures(etsuran, destinations):
    mailing = busy_mailing(destinations)
    response = client_of(etsuran).get(page_url(mailing))
    assert response.status_code == 200
    root = dom(response)
    body = page_text(response)
    assert "送信状況：【故障】メールサーバーの障害" in body
    assert text(by_id(root, "mailing-state")) == "送信中"
    figures = {
        text(row.children[0]): text(row.children[1])
        for row in find_all(by_id(root, "mailing-counts"), lambda e: e.name == "tr")
    }
    assert figures == {
        "配信対象": "16",
        "送信済み": "6",
        "送信失敗": "3",
        "送信対象外": "3",
        "送信待ち": "4",
        "バウンス": "2",
        "配信停止": "3",
        "配信解除": "1",
    }
    bar = by_id(root, "mailing-bar")
    assert attr(bar, "max") == "100" and attr(bar, "value") == "75.0"  # 12 of 16 done
    assert text(by_id(root, "mailing-percent")) == "75"
    failures = by_id(root, "mailing-failures")
    assert [text(th) for th in find_all(failures, lambda e: e.name == "th")] == [
        "配信先",
        "SMTPの応答",
        "送信回数",
        "日時",
    ]
    assert "dest3@example.com" in text(failures)
    assert REFUSED.format("dest3@example.com") in text(failures)
    assert FULL in text(failures)
    # The script that keeps it live, and where it reads from: no inline script or style.
    html = response.content.decode()
    assert f'data-url="{json_url(mailing)}"' in html
    assert "delivery/progress.js" in html and "delivery/progress.css" in html
    assert "<script>" not in html and " style=" not in html
    # 閲覧 sees no buttons.
    assert "一時停止" not in body.replace("一時停止中", "") and 'value="再開"' not in html


def test_b2_a_finished_mailing_shows_a_full_bar_and_no_failures(etsuran):
    mailing = make_mailing(state=Mailing.State.FINISHED, finished_at=timezone.now())
    add_rows(mailing, 3, status=Status.SENT)
    add_rows(mailing, 1, status=Status.SKIPPED, reply=SKIP_GONE)
    root = dom(client_of(etsuran).get(page_url(mailing)))
    assert attr(by_id(root, "mailing-bar"), "value") == "100.0"
    assert text(by_id(root, "mailing-state")) == "完了"
    assert text(by_id(root, "mailing-no-failures")) == "送信に失敗した配信先はありません。"
    assert attr(by_id(root, "mailing-no-failures"), "hidden") is None
    assert any(key == "hidden" for key, _ in by_id(root, "mailing-failures").attributes)


def test_b2_the_page_and_its_json_cost_the_same_queries_for_a_larger_mailing(
    etsuran, destinations, django_assert_max_num_queries
):
    """Session (read, and saved: 3), login, mailing, the role's permissions (2), counts,
    series, failures and their addresses; the page adds the role shown in its header."""
    small = busy_mailing(destinations)
    large = make_mailing(make_publication("【故障】大きな障害"))
    add_rows(large, 60, status=Status.FAILED, reply=FULL)
    add_rows(large, 200, status=Status.SENT, record=False)
    start = large.started_at
    for second in range(300):
        add_progress(large, start + timedelta(seconds=second), sent=1)
    client = client_of(etsuran)
    for mailing in (small, large):
        with django_assert_max_num_queries(14):
            assert client.get(page_url(mailing)).status_code == 200
        with django_assert_max_num_queries(13):
            assert client.get(json_url(mailing)).status_code == 200


def test_b2_unknown_mailing_is_404_and_the_page_answers_get_only(etsuran, kanrisha):
    assert client_of(etsuran).get(page_url(Mailing(pk=999999))).status_code == 404
    for key in ("²", "1e3", "9" * 30):  # no number, or none a key can be: 404, never 500
        page = page_url(Mailing(pk=1)).replace("/1/", f"/{key}/")
        assert client_of(etsuran).get(page).status_code == 404, key
    assert client_of(etsuran).get(json_url(Mailing(pk=999999))).status_code == 404
    mailing = make_mailing()
    assert client_of(kanrisha).post(page_url(mailing)).status_code == 405
    assert client_of(kanrisha).post(json_url(mailing)).status_code == 405


# --- the JSON the page polls ----------------------------------------------------------------


def test_b2_the_json_is_for_operators_only_and_never_cached(client, etsuran, customer):
    mailing = busy_mailing([])
    anonymous = client.get(json_url(mailing))
    assert anonymous.status_code == 302
    assert anonymous["Location"] == f"/backoffice/login/?next={json_url(mailing)}"
    desk = client_of(customer).get(json_url(mailing))
    assert desk.status_code == 302 and desk["Location"].startswith("/backoffice/login/")

    response = client_of(etsuran).get(json_url(mailing))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["state_label"] == "送信中" and data["active"] is True
    assert {item["label"]: item["value"] for item in data["counts"]}["送信済み"] == 6
    assert data["series"] == {"bucket": 1, "points": [[0, 2], [1, 1], [2, 1], [3, 1], [4, 1]]}
    assert [f["reply"] for f in data["failures"]] == [FULL, FULL]


# --- 一時停止 / 再開 ---------------------------------------------------------------------------


def test_b2_kanrisha_pauses_and_resumes_a_mailing_audited(kanrisha):
    mailing = make_mailing()
    client = client_of(kanrisha)
    page = dom(client.get(page_url(mailing)))
    assert attr(by_id(page, "mailing-pause"), "hidden") is None
    assert any(key == "hidden" for key, _ in by_id(page, "mailing-resume").attributes)

    response = client.post(action_url(mailing, "pause"), follow=True)
    assert response.redirect_chain == [(page_url(mailing), 302)]
    assert "送信を一時停止しました" in page_text(response)
    mailing.refresh_from_db()
    assert mailing.state == Mailing.State.PAUSED
    page = dom(response)
    assert text(by_id(page, "mailing-state")) == "一時停止中"
    assert attr(by_id(page, "mailing-resume"), "hidden") is None

    response = client.post(action_url(mailing, "resume"), follow=True)
    assert "送信を再開しました。" in page_text(response)
    mailing.refresh_from_db()
    assert mailing.state == Mailing.State.SENDING
    assert list(AuditEntry.objects.order_by("pk").values_list("action", "actor_name")) == [
        ("delivery.pause", kanrisha.username),
        ("delivery.resume", kanrisha.username),
    ]


@pytest.mark.parametrize(
    ("state", "action", "message"),
    [
        (Mailing.State.FINISHED, "pause", "送信中ではないため、一時停止していません（状態：完了）"),
        (Mailing.State.SENDING, "resume", "一時停止中ではないため、再開していません（状態：送信中"),
    ],
)
def test_b2_pause_or_resume_in_the_wrong_state_changes_nothing(kanrisha, state, action, message):
    mailing = make_mailing(state=state)
    response = client_of(kanrisha).post(action_url(mailing, action), follow=True)
    assert message in page_text(response)
    mailing.refresh_from_db()
    assert mailing.state == state
    assert not AuditEntry.objects.exists()


def test_b2_etsuran_and_uketsuke_may_not_pause_or_resume(etsuran, uketsuke, client):
    sending = make_mailing()
    paused = make_mailing(make_publication("【故障】一時停止中"), state=Mailing.State.PAUSED)
    for user in (etsuran, uketsuke):
        browser = client_of(user)
        page = browser.get(page_url(sending)).content.decode()
        assert 'id="mailing-pause"' not in page and 'id="mailing-resume"' not in page
        for mailing, action in ((sending, "pause"), (paused, "resume")):
            response = browser.post(action_url(mailing, action))
            assert response.status_code == 403
            assert "権限がありません" in page_text(response)
    anonymous = client.post(action_url(sending, "pause"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/backoffice/login/")
    assert Mailing.objects.get(pk=sending.pk).state == Mailing.State.SENDING
    assert Mailing.objects.get(pk=paused.pk).state == Mailing.State.PAUSED
    assert not AuditEntry.objects.exists()


def test_b2_pause_is_post_only_and_needs_the_csrf_token(kanrisha):
    mailing = make_mailing()
    browser = client_of(kanrisha, enforce_csrf_checks=True)
    assert browser.get(action_url(mailing, "pause")).status_code == 405
    assert browser.post(action_url(mailing, "pause")).status_code == 403
    assert Mailing.objects.get(pk=mailing.pk).state == Mailing.State.SENDING
    page = browser.get(page_url(mailing))
    form = by_id(dom(page), "mailing-pause")
    assert attr(form, "method") == "post" and attr(form, "action") == action_url(mailing, "pause")
    token = browser.cookies["csrftoken"].value
    response = browser.post(action_url(mailing, "pause"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Mailing.objects.get(pk=mailing.pk).state == Mailing.State.PAUSED


# --- the list of mailings, and the link from a publication --------------------------------


def test_b2_mailings_list_newest_first_with_its_columns(etsuran, django_assert_max_num_queries):
    old = make_mailing(
        make_publication("【工事】古い工事"),
        state=Mailing.State.FINISHED,
        finished_at=timezone.now(),
    )
    add_rows(old, 4, status=Status.SENT, record=False)
    add_progress(old, timezone.now(), sent=3)
    add_progress(old, timezone.now(), sent=1)
    new = make_mailing(make_publication("【故障】新しい障害"))
    add_rows(new, 2)
    Mailing.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1))
    client = client_of(etsuran)
    url = reverse("backoffice:delivery_mailing_changelist")
    with django_assert_max_num_queries(12):
        response = client.get(url)
    headers, rows = table_rows(by_id(dom(response), "result_list"))
    assert headers == ["件名", "状態", "配信対象", "送信済み", "開始", "完了"]
    assert [row[:4] for row in rows] == [
        ["【故障】新しい障害", "送信中", "2", "0"],
        ["【工事】古い工事", "完了", "4", "4"],
    ]
    assert rows[1][-1] != "-" and rows[0][-1] == "-"
    # More mailings cost no more queries.
    for number in range(5):
        make_mailing(make_publication(f"【故障】障害{number}"))
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def table_rows(table) -> tuple[list[str], list[list[str]]]:
    """A table's column headers and its rows' cells, as text."""
    (head,) = find_all(table, lambda e: e.name == "thead")
    (body,) = find_all(table, lambda e: e.name == "tbody")
    headers = [text(th) for th in find_all(head, lambda e: e.name == "th")]
    rows = [
        [text(cell) for cell in find_all(row, lambda e: e.name in ("td", "th"))]
        for row in find_all(body, lambda e: e.name == "tr")
    ]
    return headers, rows


def test_b2_a_publication_links_to_its_mailing(etsuran, django_assert_max_num_queries):
    mailed = make_mailing()
    quiet = make_publication("【工事】メール配信しない", send_mail=False)
    client = client_of(etsuran)
    page = client.get(reverse("backoffice:notices_publication_change", args=[mailed.pk]))
    link = [
        element
        for element in find_all(dom(page), lambda e: e.name == "a")
        if attr(element, "href") == page_url(mailed)
    ]
    assert [text(element) for element in link] == ["送信中"]
    assert "送信状況" in page_text(page)
    other = client.get(reverse("backoffice:notices_publication_change", args=[quiet.pk]))
    assert page_url(mailed) not in other.content.decode()
    url = reverse("backoffice:notices_publication_changelist")
    with django_assert_max_num_queries(12):
        listing = client.get(url)
    assert "送信状況" in page_text(listing)
    assert f'href="{page_url(mailed)}"' in listing.content.decode()
    for number in range(4):
        make_mailing(make_publication(f"【故障】障害{number}"))
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_b2_delivery_rows_are_left_as_they_were_by_reading(etsuran, destinations):
    """Reading the page and its JSON writes nothing (a poll every second must not)."""
    mailing = busy_mailing(destinations)
    before = list(Delivery.objects.order_by("pk").values())
    client = client_of(etsuran)
    client.get(page_url(mailing))
    client.get(json_url(mailing))
    assert list(Delivery.objects.order_by("pk").values()) == before
