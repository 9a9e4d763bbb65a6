"""S3, B5, X7: the destinations of 工事・故障情報メール in the back office — the list with
filters and search, each read only, and an operator's 配信停止 / 配信再開 (受付 and up),
each through the services with the row locked and one audit row."""

from datetime import timedelta

import pytest
from django.contrib.admin import helpers
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from madoguchi.alerts.models import Destination
from madoguchi.alerts.services import RESUME_ACTION, SUSPEND_ACTION, stop_kind
from madoguchi.audit.models import AuditEntry
from madoguchi.backoffice.roles import ETSURAN, UKETSUKE
from madoguchi.contracts.tests.factories import OperatorFactory
from madoguchi.contracts.tests.pages import attr, by_id, dom, find_all, page_text, text
from madoguchi.lib.dates import format_datetime
from madoguchi.supportid import tokens
from madoguchi.supportid.models import MailToken
from madoguchi.supportid.tests.admin_data import make_account, make_destination

pytestmark = pytest.mark.django_db

LIST = reverse("backoffice:alerts_destination_changelist")


def url(name: str, destination) -> str:
    return reverse(f"backoffice:alerts_destination_{name}", args=[destination.pk])


def as_role(role, username: str) -> Client:
    client = Client()
    client.force_login(OperatorFactory(username=username, role=role))
    return client


@pytest.fixture
def uketsuke():
    return as_role(UKETSUKE, "uketsuke-dest")


@pytest.fixture
def etsuran():
    return as_role(ETSURAN, "etsuran-dest")


@pytest.fixture
def three():
    """One ID's three destinations: 有効, 配信停止 (bounces), 仮登録."""
    account = make_account("hanako@example.com")
    return (
        make_destination(account, 1, "hanako@example.com"),
        make_destination(account, 2, "hanako.mobile@example.com", status="suspended"),
        make_destination(account, 3, "hanako.office@example.com", status="pending"),
    )


def rows(response) -> list[list[str]]:
    """The list's cells by row (the action checkbox cell, if any, left out)."""
    root = dom(response)
    if not find_all(root, lambda e: attr(e, "id") == "result_list"):
        assert "0 配信先" in page_text(response)
        return []
    [body] = find_all(by_id(root, "result_list"), lambda e: e.name == "tbody")
    return [
        [
            text(cell)
            for cell in row.children
            if getattr(cell, "name", None) in ("td", "th")
            and "action-checkbox" not in (attr(cell, "class") or "")
        ]
        for row in find_all(body, lambda e: e.name == "tr")
    ]


def act(client, action: str, destinations, *, follow=True):
    return client.post(
        LIST,
        {
            "action": action,
            helpers.ACTION_CHECKBOX_NAME: [d.pk for d in destinations],
            "index": 0,
        },
        follow=follow,
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def statuses() -> dict[str, str]:
    return dict(Destination.objects.values_list("address", "status"))


# --- The list ---------------------------------------------------------------------------


def test_b_s3_the_list_shows_address_id_status_reason_and_date(uketsuke, three):
    response = uketsuke.get(LIST)
    assert response.status_code == 200
    [thead] = find_all(by_id(dom(response), "result_list"), lambda e: e.name == "thead")
    headers = [text(th) for th in find_all(thead, lambda e: e.name == "th") if text(th)]
    assert headers == [
        "配信先メールアドレス",
        "お客さまサポートID",
        "状態",
        "配信停止の理由",
        "配信停止日時",
        "工事情報の配信停止日時",
        "故障情報の配信停止日時",
    ]
    listed = {row[0]: row[1:] for row in rows(response)}
    assert listed["hanako@example.com"] == ["hanako@example.com", "有効", "-", "-", "-", "-"]
    suspended = listed["hanako.mobile@example.com"]
    assert suspended[:3] == [
        "hanako@example.com",
        "配信停止",
        "メールをお届けできない状態が続いたため",
    ]
    assert suspended[3].startswith(timezone.localdate().strftime("%Y/%m/%d"))
    assert listed["hanako.office@example.com"] == [
        "hanako@example.com",
        "仮登録",
        "-",
        "-",
        "-",
        "-",
    ]
    # The support ID links to its own page.
    link = reverse("backoffice:supportid_supportaccount_change", args=[three[0].account_id])
    assert link in response.content.decode()


def test_b_s3_a_pending_destination_past_its_30_minutes_reads_expired(uketsuke, settings):
    settings.DESTINATION_CONFIRM_MINUTES = 30
    account = make_account("late@example.com")
    make_destination(
        account,
        1,
        "late@example.com",
        status="pending",
        created_at=timezone.now() - timedelta(minutes=31),
    )
    make_destination(
        account,
        2,
        "soon@example.com",
        status="pending",
        created_at=timezone.now() - timedelta(minutes=29),
    )
    listed = {row[0]: row[2] for row in rows(uketsuke.get(LIST))}
    assert listed == {"late@example.com": "仮登録（確認期限切れ）", "soon@example.com": "仮登録"}


def test_b_s3_the_list_is_filtered_by_status_and_reason_and_searched_by_address(uketsuke, three):
    other = make_account("taro@example.org")
    make_destination(
        other, 1, "taro.mobile@example.org", status="suspended", suspension_reason="unsubscribed"
    )
    for query, expected in (
        ("?status__exact=active", ["hanako@example.com"]),
        ("?status__exact=pending", ["hanako.office@example.com"]),
        ("?status__exact=suspended", ["hanako.mobile@example.com", "taro.mobile@example.org"]),
        ("?suspension_reason__exact=unsubscribed", ["taro.mobile@example.org"]),
        ("?q=hanako.mobile@example.com", ["hanako.mobile@example.com"]),
        ("?q=HANAKO.OFFICE", ["hanako.office@example.com"]),
        # By the support ID's address: its destinations.
        ("?q=taro@example.org", ["taro.mobile@example.org"]),
        ("?q=nobody@example.com", []),
    ):
        response = uketsuke.get(LIST + query)
        assert response.status_code == 200, query
        assert sorted(row[0] for row in rows(response)) == expected, query
    body = page_text(uketsuke.get(LIST))
    assert "状態 で絞り込む" in body and "配信停止の理由 で絞り込む" in body


def test_b_s3_a_destination_page_is_read_only_and_shows_no_token(uketsuke, three):
    active, suspended, pending = three
    token = tokens.issue(
        pending.account,
        MailToken.Purpose.DESTINATION,
        lifetime=timedelta(minutes=30),
        target=pending.pk,
    )
    for destination in three:
        response = uketsuke.get(url("change", destination))
        assert response.status_code == 200
        body = page_text(response)
        assert f"配信先メールアドレス: {destination.address}" in body
        assert "お客さまサポートID: hanako@example.com" in body
        html = response.content.decode()
        for secret in (token, *token.split("."), pending.account.user.password, "support:"):
            assert secret not in html
    body = page_text(uketsuke.get(url("change", suspended)))
    assert "状態: 配信停止" in body
    assert "配信停止の理由: メールをお届けできない状態が続いたため" in body
    assert uketsuke.get(reverse("backoffice:alerts_destination_add")).status_code == 403
    assert uketsuke.get(url("delete", active)).status_code == 403
    assert uketsuke.post(url("change", active), {"address": "x@example.com"}).status_code == 403
    assert statuses()["hanako@example.com"] == "active"


def test_b_s4_the_kinds_stopped_by_a_mails_link_show_their_dates(uketsuke, three):
    """S4: a one-click unsubscribe stops one kind; the list, the destination's page and the
    support ID's inline show when, in Japanese columns."""
    active = three[0]
    stop_kind(active.pk, "outage")
    stopped_on = format_datetime(Destination.objects.get(pk=active.pk).outage_stopped_at)
    listed = {row[0]: row[1:] for row in rows(uketsuke.get(LIST))}
    assert listed["hanako@example.com"] == ["hanako@example.com", "有効", "-", "-", "-", stopped_on]
    body = page_text(uketsuke.get(url("change", active)))
    assert "工事情報の配信停止日時: -" in body
    assert f"故障情報の配信停止日時: {stopped_on}" in body
    account_page = uketsuke.get(
        reverse("backoffice:supportid_supportaccount_change", args=[active.account_id])
    )
    inline = text(by_id(dom(account_page), "destinations-group"))
    assert "工事情報の配信停止日時" in inline and "故障情報の配信停止日時" in inline
    assert stopped_on in inline


# --- 配信停止 / 配信再開 ---------------------------------------------------------------------


def test_b_s3_suspend_selected_destinations_with_an_audit_row_each(uketsuke, three):
    active, _, pending = three
    second = make_destination(make_account("taro@example.org"), 1, "taro@example.org")

    response = act(uketsuke, "suspend_selected", [active, second, pending])

    assert response.status_code == 200
    assert messages_of(response) == [
        "2件の配信先を配信停止にしました。",
        "1件は有効な配信先ではないため、変更していません。",
    ]
    for destination in (active, second):
        destination.refresh_from_db()
        assert destination.status == Destination.Status.SUSPENDED
        assert destination.suspension_reason == Destination.Reason.OPERATOR
        assert destination.suspended_at is not None
    pending.refresh_from_db()
    assert pending.status == Destination.Status.PENDING
    entries = AuditEntry.objects.filter(action=SUSPEND_ACTION).order_by("target")
    assert [(e.target, e.actor.username, e.ip_address) for e in entries] == [
        ("hanako@example.com", "uketsuke-dest", "127.0.0.1"),
        ("taro@example.org", "uketsuke-dest", "127.0.0.1"),
    ]
    assert entries[0].after == {"理由": "お客さまサポートにより配信停止されたため"}
    # The list now says why and since when.
    listed = {row[0]: row[2:4] for row in rows(response)}
    assert listed["taro@example.org"] == ["配信停止", "お客さまサポートにより配信停止されたため"]


def test_b_s3_resume_selected_destinations_with_an_audit_row_each(uketsuke, three):
    active, suspended, _ = three

    response = act(uketsuke, "resume_selected", [active, suspended])

    assert messages_of(response) == [
        "1件の配信先の配信を再開しました。",
        "1件は配信停止中ではないため、変更していません。",
    ]
    suspended.refresh_from_db()
    assert suspended.status == Destination.Status.ACTIVE
    assert suspended.suspended_at is None and suspended.suspension_reason == ""
    [entry] = AuditEntry.objects.filter(action=RESUME_ACTION)
    assert entry.target == "hanako.mobile@example.com"
    assert entry.before == {"理由": "メールをお届けできない状態が続いたため"}
    assert entry.actor.username == "uketsuke-dest"


def test_b_s3_the_buttons_of_a_destination_page_suspend_and_resume_it(uketsuke, three):
    active = three[0]
    html = uketsuke.get(url("change", active)).content.decode()
    assert url("suspend", active) in html and url("resume", active) not in html

    response = uketsuke.post(url("suspend", active), follow=True)

    assert response.redirect_chain == [(url("change", active), 302)]
    assert messages_of(response) == ["1件の配信先を配信停止にしました。"]
    assert "状態: 配信停止" in page_text(response)
    assert "お客さまサポートにより配信停止されたため" in page_text(response)
    # Now the page offers 「配信再開」 instead.
    html = response.content.decode()
    assert url("resume", active) in html and url("suspend", active) not in html
    assert 'value="配信再開"' in html

    response = uketsuke.post(url("resume", active), follow=True)

    assert messages_of(response) == ["1件の配信先の配信を再開しました。"]
    assert "状態: 有効" in page_text(response)
    assert list(AuditEntry.objects.order_by("pk").values_list("action", "target")) == [
        (SUSPEND_ACTION, "hanako@example.com"),
        (RESUME_ACTION, "hanako@example.com"),
    ]


def test_b_s3_a_pending_destination_has_no_button_and_is_not_changed(uketsuke, three):
    pending = three[2]
    html = uketsuke.get(url("change", pending)).content.decode()
    assert url("suspend", pending) not in html and url("resume", pending) not in html
    response = uketsuke.post(url("suspend", pending), follow=True)
    assert messages_of(response) == ["1件は有効な配信先ではないため、変更していません。"]
    response = uketsuke.post(url("resume", pending), follow=True)
    assert messages_of(response) == ["1件は配信停止中ではないため、変更していません。"]
    assert statuses()["hanako.office@example.com"] == "pending"
    assert not AuditEntry.objects.exists()


def test_b_s3_the_buttons_answer_only_a_post_of_an_existing_destination(uketsuke, three):
    active = three[0]
    assert uketsuke.get(url("suspend", active)).status_code == 405
    assert uketsuke.get(url("resume", active)).status_code == 405
    missing = reverse("backoffice:alerts_destination_suspend", args=[999999])
    assert uketsuke.post(missing).status_code == 404
    assert uketsuke.post(missing.replace("999999", "x")).status_code == 404
    assert statuses()["hanako@example.com"] == "active"


def test_b5_etsuran_reads_destinations_but_cannot_suspend_or_resume(etsuran, three):
    active, suspended, _ = three
    response = etsuran.get(LIST)
    assert response.status_code == 200 and len(rows(response)) == 3
    html = response.content.decode()
    assert "suspend_selected" not in html and "resume_selected" not in html
    assert 'name="action"' not in html  # no action box at all
    for destination in (active, suspended):
        html = etsuran.get(url("change", destination)).content.decode()
        assert url("suspend", destination) not in html
        assert url("resume", destination) not in html

    assert etsuran.post(url("suspend", active)).status_code == 403
    assert etsuran.post(url("resume", suspended)).status_code == 403
    act(etsuran, "suspend_selected", [active])
    act(etsuran, "resume_selected", [suspended])

    assert statuses() == {
        "hanako@example.com": "active",
        "hanako.mobile@example.com": "suspended",
        "hanako.office@example.com": "pending",
    }
    assert not AuditEntry.objects.exists()


def test_b_s3_the_list_takes_as_many_queries_for_20_destinations_as_for_one(uketsuke):
    """No query per row (N+1): each row's support ID comes with the list's one query."""
    make_destination(make_account("id0@example.com"), 1, "id0@example.com")

    def count() -> int:
        uketsuke.get(LIST)
        with CaptureQueriesContext(connection) as queries:
            response = uketsuke.get(LIST)
        assert response.status_code == 200
        return len(queries)

    one = count()
    for n in range(1, 20):
        status = ("active", "suspended", "pending")[n % 3]
        make_destination(make_account(f"id{n}@example.com"), 1, f"id{n}@example.com", status)
    assert len(rows(uketsuke.get(LIST))) == 20
    assert count() == one
    assert one <= 12
