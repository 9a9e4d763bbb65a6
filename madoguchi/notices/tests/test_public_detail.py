"""工事・故障情報 detail (S1): every field, sanitized body, history in JST, 404 when hidden;
the support top's current notices."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from madoguchi.contracts.tests.pages import attr, by_id, dom, find_all, page_text, text, walk
from madoguchi.notices.tests.make import Kind, Status, make_notice

pytestmark = pytest.mark.django_db


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.get_current_timezone())


def detail(notice) -> str:
    return reverse("notices:detail", args=[notice.pk])


@pytest.fixture
def outage():
    return make_notice(
        "メール 送受信の遅延",
        kind=Kind.OUTAGE,
        status=Status.RECOVERED,
        products=("mail", "dns"),
        area="全国",
        body="## 影響\n\n- 送信に**時間**がかかります。\n\n[詳しくはこちら](https://example.com/info)",
        starts_at=jst(2024, 1, 11, 2, 0),
        ends_at=jst(2024, 1, 11, 5, 30),
        published_at=jst(2024, 1, 11, 2, 10),
        updates=(
            # Stored out of order: the page reads chronologically.
            (jst(2024, 1, 11, 5, 30), Status.RECOVERED, "復旧しました。"),
            (jst(2024, 1, 11, 2, 0), Status.OCCURRING, "故障が発生しました。"),
            (
                jst(2024, 1, 11, 3, 15),
                Status.OCCURRING,
                "原因を調査中です。\n引き続きお知らせします。",
            ),
        ),
    )


def test_s1_detail_shows_every_field_in_japan_time(client, outage):
    response = client.get(detail(outage))
    assert response.status_code == 200
    facts = text(by_id(dom(response), "facts"))
    assert facts == (
        "種別 故障 状況 復旧 対象商品 メール、DNS 対象地域 全国 "
        "発生日時 2024/01/11(木) 02:00 復旧日時 2024/01/11(木) 05:30 "
        "掲載日時 2024/01/11(木) 02:10"
    )
    body = response.content.decode()
    assert "<h1>メール 送受信の遅延</h1>" in body
    assert "<h4>影響</h4>" in body and "<strong>時間</strong>" in body
    assert 'href="https://example.com/info"' in body


def test_s1_detail_history_is_chronological_and_timestamped(client, outage):
    history = by_id(dom(client.get(detail(outage))), "history")
    entries = [text(item) for item in find_all(history, lambda e: e.name == "li")]
    assert entries == [
        "2024/01/11(木) 02:00 発生中 故障が発生しました。",
        "2024/01/11(木) 03:15 発生中 原因を調査中です。 引き続きお知らせします。",
        "2024/01/11(木) 05:30 復旧 復旧しました。",
    ]


def test_s1_detail_without_updates_says_so(client):
    notice = make_notice("工事のお知らせ", starts_at=jst(2030, 1, 1, 1))
    response = client.get(detail(notice))
    assert "経過の更新はまだありません。" in page_text(response)
    assert "予定開始 2030/01/01(火) 01:00 予定終了 未定" in page_text(response)


HOSTILE = (
    "注意事項\n\n"
    "<script>alert('script')</script>\n\n"
    '<iframe src="https://evil.example/"></iframe>\n\n'
    '<img src="x" onerror="alert(\'img\')">\n\n'
    '<a href="#" onclick="alert(\'click\')">クリック</a>\n\n'
    "[危険なリンク](javascript:alert('link'))\n\n"
    "[データ](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)\n\n"
    '<p style="position:fixed">スタイル</p>\n\n'
    "[安全なリンク](https://example.com/)"
)


def test_s1_detail_body_markdown_stays_sanitized(client):
    notice = make_notice(
        "<script>alert('title')</script> 工事",
        body=HOSTILE,
        area="<b>千代田区</b>",
        updates=((timezone.now(), Status.SCHEDULED, "<img src=x onerror=alert(1)>更新"),),
    )
    response = client.get(detail(notice))
    assert response.status_code == 200
    elements = list(walk(dom(response)))
    assert not [e.name for e in elements if e.name in {"script", "iframe", "img", "b"}]
    assert not [(e.name, key) for e in elements for key, _ in e.attributes if key.startswith("on")]
    assert not [e for e in elements if e.name == "p" and attr(e, "style")]
    hrefs = [attr(e, "href") for e in elements if e.name == "a"]
    assert not [href for href in hrefs if href and href.startswith(("javascript:", "data:"))]
    body = response.content.decode()
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt; 工事" in body
    assert 'href="https://example.com/"' in body
    text_of_page = page_text(response)
    assert "注意事項" in text_of_page and "安全なリンク" in text_of_page
    assert "&lt;img src=x onerror=alert(1)&gt;更新" in body


def test_s1_detail_body_is_the_shared_partial(client):
    """The back office's preview includes the same partial: the page renders through it."""
    notice = make_notice("工事", body="**太字**")
    response = client.get(detail(notice))
    assert "notices/_body.html" in [t.name for t in response.templates]
    assert '<div class="notice-body"><p><strong>太字</strong></p></div>' in (
        response.content.decode()
    )


# --- visibility ---------------------------------------------------------------------------


@pytest.fixture
def hidden():
    return {
        "draft": make_notice("下書き", published_at=None),
        "scheduled": make_notice("予約掲載", published_at=timezone.now() + timedelta(hours=1)),
        "members_only": make_notice("会員限定", members_only=True),
    }


@pytest.mark.parametrize("name", ["draft", "scheduled", "members_only"])
def test_s1_detail_of_a_hidden_notice_is_not_found_for_anonymous(client, hidden, name):
    response = client.get(detail(hidden[name]))
    assert response.status_code == 404
    assert hidden[name].title not in response.content.decode()


@pytest.mark.parametrize("name", ["draft", "scheduled", "members_only"])
def test_s1_detail_of_a_hidden_notice_is_not_found_for_an_operator(client, operator, hidden, name):
    client.force_login(operator)
    assert client.get(detail(hidden[name])).status_code == 404


def test_s1_detail_of_a_members_only_notice_opens_for_a_customer(customer_client, hidden):
    response = customer_client.get(detail(hidden["members_only"]))
    assert response.status_code == 200
    assert "ログインしたお客さま限定" in page_text(response)
    # Drafts stay drafts for customers too.
    assert customer_client.get(detail(hidden["draft"])).status_code == 404
    assert customer_client.get(detail(hidden["scheduled"])).status_code == 404


@pytest.mark.parametrize("path", ["0/", "999999/", "99999999999999999999999999/"])
def test_s1_detail_of_an_unknown_id_is_not_found(client, path):
    response = client.get(reverse("notices:list") + path)
    assert response.status_code == 404


def test_s1_detail_query_count_does_not_grow_with_history(client, django_assert_max_num_queries):
    notice = make_notice(
        "故障",
        kind=Kind.OUTAGE,
        products=("fiber", "mail", "dns"),
        updates=tuple(
            (timezone.now() - timedelta(hours=n), Status.OCCURRING, f"更新{n}") for n in range(15)
        ),
    )
    with django_assert_max_num_queries(3):  # the notice, its products, its updates
        response = client.get(detail(notice))
    assert page_text(response).count("更新") >= 15


# --- the support top ----------------------------------------------------------------------


def test_s1_top_page_lists_the_current_notices_a_visitor_may_see(client, customer):
    work = make_notice("予定の工事", products=("fiber", "dns"))
    make_notice("作業中の工事", status=Status.IN_PROGRESS)
    make_notice("発生中の故障", kind=Kind.OUTAGE)
    make_notice("復旧した故障", kind=Kind.OUTAGE, status=Status.RECOVERED)
    make_notice("完了した工事", status=Status.COMPLETED)
    make_notice("中止した工事", status=Status.CANCELLED)
    make_notice("下書きの故障", kind=Kind.OUTAGE, published_at=None)
    make_notice("会員限定の工事", members_only=True)
    response = client.get(reverse("support:top"))
    current = text(by_id(dom(response), "current-notices"))
    for title in ("予定の工事", "作業中の工事", "発生中の故障"):
        assert title in current
    for title in ("復旧した故障", "完了した工事", "中止した工事", "下書きの故障", "会員限定の工事"):
        assert title not in response.content.decode()
    assert f'href="{detail(work)}"' in response.content.decode()
    assert "対象商品 光アクセス、DNS" in current
    client.force_login(customer)
    assert "会員限定の工事" in page_text(client.get(reverse("support:top")))


def test_s1_top_page_without_current_notices_says_so(client, django_assert_max_num_queries):
    make_notice("復旧した故障", kind=Kind.OUTAGE, status=Status.RECOVERED)
    with django_assert_max_num_queries(1):
        response = client.get(reverse("support:top"))
    assert "現在お知らせしている工事・故障はありません。" in page_text(response)


def test_s1_top_page_query_count_does_not_grow(client, django_assert_max_num_queries):
    for number in range(15):
        make_notice(f"工事{number}", products=("fiber", "mail"))
    with django_assert_max_num_queries(2):  # the notices, their products
        response = client.get(reverse("support:top"))
    current = by_id(dom(response), "current-notices")
    assert len(find_all(current, lambda e: e.name == "li")) == 10
