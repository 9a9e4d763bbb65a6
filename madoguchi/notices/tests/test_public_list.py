"""工事・故障情報 list (S1): order, filters, bad filter input, visibility, times, paging."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from madoguchi.contracts.tests.pages import by_id, dom, field_errors, find_all, page_text, text
from madoguchi.notices.tests.make import Kind, Status, make_notice

pytestmark = pytest.mark.django_db

LIST = reverse("notices:list")
MEMBERS_NOTE = "※一部の情報はログインしたお客さまのみご覧いただけます。"
FILTER_ERROR = "絞り込みの条件に誤りがあります。各項目のメッセージをご確認ください。"
NO_MATCH = "条件に合う工事・故障情報はありません。"


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.get_current_timezone())


def titles(response) -> list[str]:
    """The notices' titles on the page, in their order."""
    if 'id="notices"' not in response.content.decode():
        return []
    root = by_id(dom(response), "notices")
    return [text(h) for h in find_all(root, lambda e: e.name == "h3")]


def get(client, **params):
    response = client.get(f"{LIST}?{urlencode(params)}" if params else LIST)
    assert response.status_code == 200
    return response


@pytest.fixture
def notices():
    """One notice of each kind and state, on different products, areas and windows."""
    return {
        "fiber_work": make_notice(
            "光アクセス 設備工事",
            area="東京都千代田区・中央区",
            body="ルーターの再起動が必要です。",
            starts_at=jst(2030, 3, 10, 2),
            ends_at=jst(2030, 3, 10, 5),
            published_at=jst(2030, 3, 1, 10) - timedelta(days=3650),
        ),
        "mail_outage": make_notice(
            "メール 送受信の遅延",
            kind=Kind.OUTAGE,
            products=("mail",),
            area="全国",
            starts_at=jst(2030, 3, 5, 9),
            published_at=timezone.now() - timedelta(minutes=5),
        ),
        "phone_recovered": make_notice(
            "050 IP電話 発着信不可",
            kind=Kind.OUTAGE,
            status=Status.RECOVERED,
            products=("ip-phone", "fiber"),
            area="大阪府大阪市北区",
            starts_at=jst(2030, 2, 1, 9),
            ends_at=jst(2030, 2, 1, 11),
            published_at=timezone.now() - timedelta(days=2),
        ),
        "dns_cancelled": make_notice(
            "DNS サーバー更改工事",
            status=Status.CANCELLED,
            products=("dns",),
            starts_at=jst(2030, 4, 1, 1),
            ends_at=jst(2030, 4, 1, 3),
            published_at=timezone.now() - timedelta(days=1),
        ),
    }


def test_s1_list_shows_the_newest_published_first(client, notices):
    assert titles(get(client)) == [
        "メール 送受信の遅延",
        "DNS サーバー更改工事",
        "050 IP電話 発着信不可",
        "光アクセス 設備工事",
    ]


def test_s1_list_row_shows_kind_status_products_area_and_jst_window(client, notices):
    body = page_text(get(client, q="千代田区"))
    assert "工事 予定 光アクセス 設備工事" in body
    assert "対象商品 光アクセス 対象地域 東京都千代田区・中央区" in body
    assert "予定開始 2030/03/10(日) 02:00 予定終了 2030/03/10(日) 05:00" in body
    row = page_text(get(client, kind="outage", status="recovered"))
    assert "対象商品 光アクセス、050 IP電話" in row
    assert "発生日時 2030/02/01(金) 09:00 復旧日時 2030/02/01(金) 11:00" in row
    link = reverse("notices:detail", args=[notices["fiber_work"].pk])
    assert f'href="{link}"' in get(client).content.decode()


def test_s1_list_times_are_japan_time(client):
    make_notice("深夜の工事", starts_at=datetime(2024, 1, 10, 17, 0, tzinfo=UTC))
    assert "予定開始 2024/01/11(木) 02:00 予定終了 未定" in page_text(get(client))


@pytest.mark.parametrize(
    ("kind", "status", "labels"),
    [
        (Kind.MAINTENANCE, Status.SCHEDULED, "予定開始 2030/05/01(水) 01:00 予定終了 未定"),
        (Kind.MAINTENANCE, Status.IN_PROGRESS, "開始 2030/05/01(水) 01:00 終了 未定"),
        (Kind.MAINTENANCE, Status.COMPLETED, "開始 2030/05/01(水) 01:00 終了 未定"),
        (Kind.OUTAGE, Status.OCCURRING, "発生日時 2030/05/01(水) 01:00 復旧日時 調査中"),
    ],
)
def test_s1_list_window_labels_fit_kind_and_status(client, kind, status, labels):
    make_notice("表示の確認", kind=kind, status=status, starts_at=jst(2030, 5, 1, 1))
    assert labels in page_text(get(client))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"product": "fiber"}, ["050 IP電話 発着信不可", "光アクセス 設備工事"]),
        ({"product": "mail"}, ["メール 送受信の遅延"]),
        ({"product": "hosting"}, []),
        ({"kind": "maintenance"}, ["DNS サーバー更改工事", "光アクセス 設備工事"]),
        ({"kind": "outage"}, ["メール 送受信の遅延", "050 IP電話 発着信不可"]),
        ({"status": "scheduled"}, ["光アクセス 設備工事"]),
        ({"status": "occurring"}, ["メール 送受信の遅延"]),
        ({"status": "recovered"}, ["050 IP電話 発着信不可"]),
        ({"status": "cancelled"}, ["DNS サーバー更改工事"]),
        ({"status": "completed"}, []),
        # A period: every notice that overlaps it; an outage still occurring runs on.
        (
            {"since": "2030-03-10", "until": "2030-03-10"},
            ["メール 送受信の遅延", "光アクセス 設備工事"],
        ),
        ({"since": "2030/03/11"}, ["メール 送受信の遅延", "DNS サーバー更改工事"]),
        ({"until": "2030-02-28"}, ["050 IP電話 発着信不可"]),
        ({"since": "2030-02-01", "until": "2030-02-01"}, ["050 IP電話 発着信不可"]),
        ({"since": "2030-01-01", "until": "2030-01-31"}, []),
        # The keyword: title, area and body; full-width and kana variants; several words AND.
        ({"q": "ちよだ"}, []),
        ({"q": "千代田区"}, ["光アクセス 設備工事"]),
        ({"q": "ﾙｰﾀｰ"}, ["光アクセス 設備工事"]),
        ({"q": "めーる　遅延"}, ["メール 送受信の遅延"]),
        ({"q": "メール 復旧"}, []),
        ({"q": "ＤＮＳ"}, ["DNS サーバー更改工事"]),
        # Combinations.
        ({"product": "fiber", "kind": "outage"}, ["050 IP電話 発着信不可"]),
        ({"product": "fiber", "status": "scheduled", "q": "再起動"}, ["光アクセス 設備工事"]),
        ({"kind": "outage", "since": "2030-03-01", "q": "メール"}, ["メール 送受信の遅延"]),
        ({"kind": "maintenance", "status": "occurring"}, []),
    ],
)
def test_s1_list_filters(client, notices, params, expected):
    response = get(client, **params)
    assert titles(response) == expected
    if not expected:
        assert NO_MATCH in page_text(response)
    assert FILTER_ERROR not in page_text(response)


def test_s1_list_filter_form_keeps_the_chosen_values(client, notices):
    response = get(client, product="mail", kind="outage", since="2030-03-01", q="遅延")
    root = dom(response)
    selected = find_all(root, lambda e: e.name == "option" and ("selected", None) in e.attributes)
    assert {text(option) for option in selected} >= {"メール", "故障"}
    body = response.content.decode()
    assert 'value="2030-03-01"' in body and 'value="遅延"' in body


LONG = "あ" * 10_000


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("product", "no-such-product", "対象商品は一覧から選んでください。"),
        ("product", "fiber' OR '1'='1", "対象商品は一覧から選んでください。"),
        ("product", "x" * 10_000, "対象商品は一覧から選んでください。"),
        ("kind", "<script>alert(1)</script>", "種別は一覧から選んでください。"),
        ("status", "open", "状況は一覧から選んでください。"),
        ("status", "scheduled\x00", "状況は一覧から選んでください。"),
        (
            "since",
            "2030-02-30",
            "期間（開始日）は 2024/01/11 の形式で、正しい日付を入力してください。",
        ),
        (
            "since",
            "tomorrow",
            "期間（開始日）は 2024/01/11 の形式で、正しい日付を入力してください。",
        ),
        (
            "until",
            "99999-01-01",
            "期間（終了日）は 2024/01/11 の形式で、正しい日付を入力してください。",
        ),
        (
            "until",
            "2030-01-01\x07",
            "期間（終了日）は 2024/01/11 の形式で、正しい日付を入力してください。",
        ),
        (
            "since",
            "0001-01-01",
            "期間（開始日）は2000/01/01から2099/12/31までの日付を入力してください。",
        ),
        (
            "until",
            "9999-12-31",
            "期間（終了日）は2000/01/01から2099/12/31までの日付を入力してください。",
        ),
        ("q", LONG, "キーワードは100文字以内で入力してください。"),
        ("q", "メール\x00", "キーワードに使用できない制御文字が含まれています。"),
        ("q", "メール\x1b[31m", "キーワードに使用できない制御文字が含まれています。"),
        ("q", "メール\u202e", "キーワードに使用できない制御文字が含まれています。"),
        ("q", "   ", "キーワードには文字または数字を入力してください。"),
        ("q", "\u3000\u3000", "キーワードには文字または数字を入力してください。"),
        ("q", "!?%_*'\"-;", "キーワードには文字または数字を入力してください。"),
    ],
)
def test_s1_list_bad_filter_input_gets_a_japanese_message_beside_the_field(
    client, notices, field, value, message
):
    response = get(client, **{field: value})
    assert field_errors(response, field) == [message]
    assert FILTER_ERROR in page_text(response)
    assert titles(response) == []  # nothing searched with a wrong condition
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_s1_list_period_that_ends_before_it_starts_is_refused(client, notices):
    response = get(client, since="2030-03-10", until="2030-03-01")
    assert field_errors(response, "until") == [
        "期間の終了日には開始日以降の日付を入力してください。"
    ]
    assert titles(response) == []


def test_s1_list_keyword_that_is_not_utf8_is_refused(client, notices):
    response = client.get(f"{LIST}?q=%ff%fe")
    assert response.status_code == 200
    assert field_errors(response, "q") == [
        "キーワードに文字化けした文字が含まれています。入力し直してください。"
    ]


@pytest.mark.parametrize(
    "query", ["' OR 1=1 --", "%", "_", "メール' UNION SELECT title FROM notices_notice --"]
)
def test_s1_list_sql_like_keyword_is_only_text(client, notices, query):
    response = get(client, q=query)
    if query in {"%", "_"}:
        assert field_errors(response, "q") == ["キーワードには文字または数字を入力してください。"]
    else:
        assert field_errors(response, "q") == []
        assert titles(response) == []
        assert NO_MATCH in page_text(response)


def test_s1_list_without_a_filter_shows_no_message(client, notices):
    response = get(client)
    assert FILTER_ERROR not in page_text(response)
    assert field_errors(response, "q") == []


# --- visibility ---------------------------------------------------------------------------


@pytest.fixture
def hidden():
    make_notice("公開の工事 千代田区")
    make_notice("下書きの工事 千代田区", published_at=None)
    make_notice("予約掲載の工事 千代田区", published_at=timezone.now() + timedelta(hours=1))
    make_notice("会員限定の工事 千代田区", members_only=True)


def test_s1_list_shows_anonymous_visitors_neither_drafts_nor_members_only(client, hidden):
    assert titles(get(client)) == ["公開の工事 千代田区"]
    assert titles(get(client, q="千代田区")) == ["公開の工事 千代田区"]
    assert titles(get(client, q="会員限定")) == []
    assert "会員限定" not in get(client, q="会員限定").content.decode().replace(
        'value="会員限定"', ""
    )
    response = get(client)
    assert MEMBERS_NOTE in page_text(response)
    login = reverse("support:login")
    assert f'href="{login}?next=/support/notices/"' in response.content.decode()


def test_s1_list_shows_a_customer_members_only_notices_with_a_label(customer_client, hidden):
    response = get(customer_client)
    assert titles(response) == ["会員限定の工事 千代田区", "公開の工事 千代田区"]
    assert "ログインしたお客さま限定" in page_text(response)
    assert MEMBERS_NOTE not in page_text(response)
    assert titles(get(customer_client, q="会員限定")) == ["会員限定の工事 千代田区"]


def test_s1_list_shows_an_operator_no_members_only_notice(client, operator, hidden):
    client.force_login(operator)
    assert titles(get(client)) == ["公開の工事 千代田区"]
    assert titles(get(client, q="会員限定")) == []
    response = get(client)
    assert MEMBERS_NOTE in page_text(response)
    note = by_id(dom(response), "members-note")
    assert find_all(note, lambda e: e.name == "a") == []  # no login link for a logged-in one


def test_s1_list_without_notices_says_so(client):
    assert "現在お知らせしている工事・故障情報はありません。" in page_text(get(client))


# --- paging and queries -------------------------------------------------------------------


def test_s1_list_pages_by_20_and_keeps_the_filters(client):
    for number in range(25):
        make_notice(
            f"工事{number:02d}",
            published_at=timezone.now() - timedelta(hours=1, minutes=number),
        )
    make_notice("故障", kind=Kind.OUTAGE)
    first = get(client, kind="maintenance")
    assert titles(first) == [f"工事{n:02d}" for n in range(20)]
    assert "絞り込みの結果（25件）" in page_text(first)
    next_link = "?kind=maintenance&amp;page=2"
    assert f'href="{next_link}"' in first.content.decode()
    second = get(client, kind="maintenance", page="2")
    assert titles(second) == [f"工事{n:02d}" for n in range(20, 25)]
    # A page number that is not one shows a page, never an error.
    assert titles(get(client, kind="maintenance", page="x")) == titles(first)
    assert titles(get(client, kind="maintenance", page="999")) == titles(second)


def test_s1_list_query_count_does_not_grow_with_notices(
    client, customer, django_assert_max_num_queries
):
    for number in range(30):
        make_notice(f"工事{number}", products=("fiber", "mail", "dns"))
    # Products for the form, count, the page, its products.
    with django_assert_max_num_queries(4):
        assert len(titles(get(client, q="工事", product="fiber"))) == 20
    with django_assert_max_num_queries(1):  # a wrong filter: only the products
        get(client, kind="x")
    # … and for a logged-in customer the session, user, contract and session save (3).
    client.force_login(customer)
    with django_assert_max_num_queries(4 + 6):
        assert len(titles(get(client))) == 20
