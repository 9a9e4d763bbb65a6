"""S2, S3, B5: お客さまサポートID in the back office — the list with status, search and
filter, each ID read only with its 工事・故障情報メール settings in words and its
destinations, never a password hash, a mailed link's token or the login's username."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from madoguchi.alerts.models import ALL_HOURS, ALL_WEEKDAYS
from madoguchi.backoffice.roles import ETSURAN
from madoguchi.contracts.tests.factories import OperatorFactory
from madoguchi.contracts.tests.pages import attr, by_id, dom, find_all, page_text, text
from madoguchi.notices.seed import ensure_products
from madoguchi.supportid import tokens
from madoguchi.supportid.models import MailToken, SupportAccount
from madoguchi.supportid.tests.admin_data import make_account, make_destination, make_settings

pytestmark = pytest.mark.django_db

LIST = reverse("backoffice:supportid_supportaccount_changelist")


def page(name: str, account) -> str:
    return reverse(f"backoffice:supportid_supportaccount_{name}", args=[account.pk])


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def rows(response) -> list[list[str]]:
    """The list's cells by row; none when nothing matched (the admin shows no table)."""
    root = dom(response)
    if not find_all(root, lambda e: attr(e, "id") == "result_list"):
        assert "0 お客さまサポートID" in page_text(response)
        return []
    table = by_id(root, "result_list")
    [body] = find_all(table, lambda e: e.name == "tbody")
    return [
        [text(cell) for cell in row.children if getattr(cell, "name", None) in ("td", "th")]
        for row in find_all(body, lambda e: e.name == "tr")
    ]


def headers(response) -> list[str]:
    [thead] = find_all(by_id(dom(response), "result_list"), lambda e: e.name == "thead")
    return [text(th) for th in find_all(thead, lambda e: e.name == "th") if text(th)]


def test_b_s2_the_list_shows_address_name_status_dates_and_destinations(operator_client):
    confirmed = make_account("hanako@example.com", name="窓口 花子")
    make_destination(confirmed, 1, "hanako@example.com")
    make_destination(confirmed, 2, "hanako.mobile@example.com", status="pending")
    make_account("taro@example.org", name="見本 太郎", confirmed=False)

    response = operator_client.get(LIST)

    assert response.status_code == 200
    assert headers(response) == [
        "メールアドレス",
        "お名前",
        "状態",
        "登録日時",
        "本登録日時",
        "配信先の数",
    ]
    by_address = {row[0]: row[1:] for row in rows(response)}
    assert set(by_address) == {"hanako@example.com", "taro@example.org"}
    name, status, registered, confirmed_on, count = by_address["hanako@example.com"]
    assert (name, status, count) == ("窓口 花子", "本登録済", "2")
    assert registered == confirmed_on and registered.startswith(
        timezone.localdate().strftime("%Y/%m/%d")
    )
    assert by_address["taro@example.org"][1:] == ["仮登録", registered, "-", "0"]


def test_b_s2_a_registration_not_confirmed_in_time_reads_expired(operator_client, settings):
    settings.SUPPORT_ID_CONFIRM_HOURS = 24
    make_account(
        "late@example.com", confirmed=False, created_at=timezone.now() - timedelta(hours=25)
    )
    make_account("fresh@example.com", confirmed=False)
    by_address = {row[0]: row[2] for row in rows(operator_client.get(LIST))}
    assert by_address == {
        "late@example.com": "仮登録（確認期限切れ）",
        "fresh@example.com": "仮登録",
    }


def test_b_s2_the_list_is_searched_by_address_and_filtered_by_status(operator_client):
    hanako = make_account("hanako@example.com")
    make_destination(hanako, 1, "hanako.office@example.net")
    make_account("taro@example.org", confirmed=False)
    make_account("jiro@example.org")
    for query, expected in (
        ("", ["hanako@example.com", "jiro@example.org", "taro@example.org"]),
        ("?q=hanako@example.com", ["hanako@example.com"]),
        ("?q=HANAKO@EXAMPLE.COM", ["hanako@example.com"]),
        ("?q=example.org", ["jiro@example.org", "taro@example.org"]),
        # An address a destination of the ID uses finds the ID (once).
        ("?q=hanako.office@example.net", ["hanako@example.com"]),
        ("?q=example.net", ["hanako@example.com"]),
        ("?q=nobody@example.com", []),
        ("?status=confirmed", ["hanako@example.com", "jiro@example.org"]),
        ("?status=pending", ["taro@example.org"]),
        ("?status=pending&q=jiro", []),
    ):
        response = operator_client.get(LIST + query)
        assert response.status_code == 200, query
        assert [row[0] for row in rows(response)] == expected, query
    # Found through a destination, the ID still counts all of its destinations.
    make_destination(hanako, 2, "hanako.mobile@example.net")
    [row] = rows(operator_client.get(LIST + "?q=hanako.office@example.net"))
    assert row[0] == "hanako@example.com" and row[-1] == "2"
    # The filter is offered with both statuses, in Japanese.
    body = page_text(operator_client.get(LIST))
    assert "状態 で絞り込む" in body and "本登録済" in body and "仮登録" in body


def test_b_s3_the_id_shows_its_settings_in_words_and_its_destinations(operator_client):
    products = ensure_products()
    account = make_account("hanako@example.com", name="窓口 花子")
    make_settings(
        account,
        products=[products["mail"], products["fiber"]],
        maintenance=False,
        outage=True,
        weekdays=0b0011111,  # 月〜金
        hours=sum(1 << h for h in range(9, 18)),  # 9:00–17:59
    )
    make_destination(account, 1, "hanako@example.com")
    make_destination(
        account,
        2,
        "hanako.mobile@example.com",
        status="suspended",
        suspension_reason="operator",
    )
    make_destination(account, 3, "hanako.office@example.com", status="pending")

    response = operator_client.get(page("change", account))

    assert response.status_code == 200
    body = page_text(response)
    for shown in (
        "メールアドレス: hanako@example.com",
        "お名前: 窓口 花子",
        "生年月日: 1990/02/03(土)",
        "状態: 本登録済",
        "配信する商品: 光アクセス、メール",
        "配信する情報: 故障情報",
        "配信する曜日・時間帯: 月〜金 9時〜18時",
    ):
        assert shown in body, shown
    inline = by_id(dom(response), "destinations-group")
    inline_rows = [
        [text(cell) for cell in row.children if getattr(cell, "name", None) == "td"]
        for row in find_all(
            inline, lambda e: e.name == "tr" and "form-row" in (attr(e, "class") or "")
        )
    ]
    assert [row[1:5] for row in inline_rows] == [
        ["1", "hanako@example.com", "有効", "-"],
        ["2", "hanako.mobile@example.com", "配信停止", "お客さまサポートにより配信停止されたため"],
        ["3", "hanako.office@example.com", "仮登録", "-"],
    ]
    assert inline_rows[1][7] != "-" and inline_rows[2][6] == "-"  # suspended on / confirmed on
    # Each destination links to its own page, where it is suspended or resumed.
    links = {attr(a, "href") for a in find_all(inline, lambda e: e.name == "a")}
    for destination in account.destinations.all():
        assert reverse("backoffice:alerts_destination_change", args=[destination.pk]) in links


def test_b_s3_an_id_without_settings_says_so(operator_client):
    account = make_account("new@example.com")
    body = page_text(operator_client.get(page("change", account)))
    assert "配信する商品: 未設定" in body
    assert "配信する曜日・時間帯: 未設定" in body


def test_b_s3_no_products_chosen_says_no_mail_is_sent(operator_client):
    account = make_account("none@example.com")
    make_settings(account, weekdays=ALL_WEEKDAYS, hours=ALL_HOURS)
    body = page_text(operator_client.get(page("change", account)))
    assert "配信する商品: 選択されていません（メールは送信されません）" in body
    assert "配信する曜日・時間帯: 月〜日 0時〜24時" in body


def test_b_s2_no_password_hash_token_or_username_on_any_page(operator_client, operator):
    account = make_account("secret@example.com")
    make_destination(account, 1, "secret.dest@example.com", status="pending")
    issued = [
        tokens.issue(account, MailToken.Purpose.CONFIRM, lifetime=timedelta(hours=24)),
        tokens.issue(account, MailToken.Purpose.RESET, lifetime=timedelta(hours=1)),
        tokens.issue(account, MailToken.Purpose.DESTINATION, lifetime=timedelta(minutes=30)),
    ]
    user = account.user
    secrets = [user.password, user.username, "support:", *issued]
    for token in issued:
        selector, _, verifier = token.partition(".")
        secrets += [selector, verifier]
    secrets += list(MailToken.objects.values_list("verifier_digest", flat=True))
    pages = [
        LIST,
        LIST + "?q=secret",
        page("change", account),
        page("history", account),
        reverse("backoffice:alerts_destination_changelist"),
        reverse("backoffice:alerts_destination_change", args=[account.destinations.get().pk]),
    ]
    for url in pages:
        response = operator_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "secret@example.com" in html, url  # the page does show the ID
        for secret in secrets:
            assert secret not in html, (url, secret)
        assert "パスワード" not in page_text(response).replace("パスワードの変更", ""), url


def test_b_s2_ids_are_read_only_nobody_adds_edits_or_deletes_one(operator_client):
    account = make_account("keep@example.com")
    response = operator_client.get(page("change", account))
    # Nothing of the record is a field of a form (the inline's counts are hidden; the
    # navigation's filter box has no name).
    fields = [
        attr(e, "name")
        for e in find_all(dom(response), lambda e: e.name in ("input", "textarea", "select"))
        if attr(e, "type") != "hidden" and attr(e, "name")
    ]
    assert fields == []
    assert (
        operator_client.get(reverse("backoffice:supportid_supportaccount_add")).status_code == 403
    )
    assert operator_client.get(page("delete", account)).status_code == 403
    assert operator_client.post(page("delete", account), {"post": "yes"}).status_code == 403
    response = operator_client.post(page("change", account), {"name": "変更 後"})
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.name == "見本 花子"
    assert SupportAccount.objects.count() == 1
    # No bulk delete on the list either.
    assert "delete_selected" not in operator_client.get(LIST).content.decode()


def test_b5_every_role_reads_support_ids():
    account = make_account("read@example.com")
    client = Client()
    client.force_login(OperatorFactory(role=ETSURAN))
    assert client.get(LIST).status_code == 200
    assert "read@example.com" in page_text(client.get(page("change", account)))


def test_b_s2_the_list_takes_as_many_queries_for_20_ids_as_for_one(operator_client):
    """No query per row (N+1): the destination counts come with the list's one query."""
    first = make_account("id0@example.com")
    make_destination(first, 1, "id0.dest@example.com")

    def count() -> int:
        operator_client.get(LIST)  # warm the session and content types
        with CaptureQueriesContext(connection) as queries:
            response = operator_client.get(LIST)
        assert response.status_code == 200
        return len(queries)

    one = count()
    for n in range(1, 20):
        account = make_account(f"id{n}@example.com", confirmed=n % 2 == 0)
        for slot in range(1, 4):
            make_destination(account, slot, f"id{n}.dest{slot}@example.com")
    assert len(rows(operator_client.get(LIST))) == 20
    assert count() == one
    assert one <= 12
