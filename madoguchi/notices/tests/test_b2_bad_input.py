"""B2, X5: bad input in notice authoring — a Japanese message beside the field, nothing
stored, never a 500; HTML in a title is shown escaped; Markdown with scripts, frames, event
handlers and ``javascript:``/``data:`` links is sanitized in the preview and when stored."""

import pytest

from madoguchi.audit.models import AuditEntry
from madoguchi.backoffice.tests.conftest import url
from madoguchi.contracts.tests.pages import attr, dom, find_all, page_text
from madoguchi.lib.markdown import render_markdown
from madoguchi.notices.models import Notice, NoticeUpdate
from madoguchi.notices.tests.test_b2_authoring import (
    form_data,
    make_notice,
    messages_beside,
    update_data,
)

pytestmark = pytest.mark.django_db

HOSTILE = (
    "# 工事のお知らせ\n\n"
    "<script>alert('x')</script>\n\n"
    '<iframe src="https://evil.example/"></iframe>\n\n'
    '<img src="x" onerror="alert(1)">\n\n'
    '<a href="#" onclick="alert(2)">クリック</a>\n\n'
    "[危険なリンク](javascript:alert(3))\n\n"
    "[データ](data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==)\n\n"
    "[詳しくはこちら](https://example.com/info)\n"
)


@pytest.fixture
def products(db):
    from madoguchi.notices.seed import ensure_products

    return ensure_products()


def assert_inert(html: str) -> None:
    lowered = html.lower()
    for bad in ("<script", "<iframe", "onerror", "onclick", "javascript:", "data:text", "<img"):
        assert bad not in lowered, (bad, html)


def test_b2_x5_the_preview_sanitizes_hostile_markdown(operator_client):
    response = operator_client.post(url("notices_notice_preview"), {"body": HOSTILE})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert_inert(html)
    assert "<h3>工事のお知らせ</h3>" in html  # the page's headings start at h3
    assert 'href="https://example.com/info"' in html
    # Exactly what the public page renders: its own partial around the sanitized body.
    assert html.strip() == f'<div class="notice-body">{render_markdown(HOSTILE)}</div>'
    assert "Content-Security-Policy" in response


def test_b2_x5_the_preview_is_a_post_with_csrf(operator, products):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    assert client.post(url("notices_notice_preview"), {"body": "x"}).status_code == 403
    assert client.get(url("notices_notice_preview")).status_code == 405


def test_b2_x5_an_overlong_body_is_not_rendered_by_the_preview(operator_client):
    response = operator_client.post(url("notices_notice_preview"), {"body": "あ" * 20_001})
    assert "本文は20000文字以内で入力してください（現在 20001 文字）。" in page_text(response)


def test_b2_x5_hostile_markdown_is_stored_as_written_and_shown_sanitized(operator_client, products):
    response = operator_client.post(url("notices_notice_add"), form_data(products, body=HOSTILE))
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert notice.body == HOSTILE.strip()
    page = operator_client.get(url("notices_notice_change", notice.pk))
    preview = find_all(dom(page), lambda e: attr(e, "id") == "notice-preview")
    assert len(preview) == 1
    html = page.content.decode()
    start = html.index('id="notice-preview"')
    assert_inert(html[start : html.index("</div>", start)])
    # The source stays in the textarea, escaped.
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<script>alert" not in html


def test_b2_x5_the_no_javascript_preview_button_shows_the_preview_and_stores_nothing(
    operator_client, products
):
    response = operator_client.post(
        url("notices_notice_add"),
        form_data(
            products, body="**太字**の<script>alert(1)</script>お知らせ", _preview="プレビュー"
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="notice-preview"')
    shown = html[start : html.index("</div>", start)]
    assert "<strong>太字</strong>" in shown
    assert_inert(shown)
    assert not Notice.objects.exists() and not AuditEntry.objects.exists()


def test_b2_x5_a_title_with_html_is_shown_escaped(operator_client, operator, products):
    title = '<script>alert("t")</script><b>太字</b>'
    notice = make_notice(products, operator=operator, title=title)
    for page in (
        url("notices_notice_changelist"),
        url("notices_notice_change", notice.pk),
        url("notices_notice_publish", notice.pk),
    ):
        html = operator_client.get(page).content.decode()
        assert "<script>alert(" not in html and "<b>太字</b>" not in html, page
        assert "&lt;script&gt;" in html, page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "あ" * 201, "件名は200文字以内で入力してください（現在 201 文字）。"),
        ("title", "工事\x07のお知らせ", "件名に使用できない制御文字が含まれています。"),
        ("title", "工事\x00のお知らせ", "件名に使用できない制御文字が含まれています。"),
        ("title", "工事\ufffdのお知らせ", "件名に文字化けした文字が含まれています。"),
        ("title", "   ", "件名を入力してください。"),
        ("area", "東京都\u202e区", "対象地域に使用できない制御文字が含まれています。"),
        ("area", "あ" * 201, "対象地域は200文字以内で入力してください（現在 201 文字）。"),
        ("body", "本文\x1b[31m", "本文に使用できない制御文字が含まれています。"),
        ("body", "あ" * 20_001, "本文は20000文字以内で入力してください（現在 20001 文字）。"),
        ("kind", "'; DROP TABLE notices_notice; --", "種別を一覧から選んでください。"),
        ("starts_at_0", "2030-13-45", "日付を 2024-01-11 の形で入力してください。"),
    ],
)
def test_b2_x5_bad_values_are_refused_beside_the_field(
    operator_client, products, field, value, message
):
    response = operator_client.post(
        url("notices_notice_add"), form_data(products, **{field: value})
    )
    assert response.status_code == 200
    assert message in messages_beside(response, field.removesuffix("_0"))
    assert not Notice.objects.exists() and not AuditEntry.objects.exists()


def test_b2_x5_a_body_keeps_its_line_breaks_and_tabs(operator_client, products):
    body = "1行目\r\n\t2行目\r\n"
    response = operator_client.post(url("notices_notice_add"), form_data(products, body=body))
    assert response.status_code == 302
    assert Notice.objects.get().body == "1行目\n\t2行目"


def test_b2_x5_invalid_utf8_is_refused_not_a_500(operator_client, products):
    data = form_data(products)
    encoded = "&".join(
        f"{key}={item}"
        for key, value in data.items()
        for item in (value if isinstance(value, list) else [value])
        if key != "title"
    )
    response = operator_client.post(
        url("notices_notice_add"),
        (encoded + "&title=%FF%FE").encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "件名に文字化けした文字が含まれています。" in page_text(response)
    assert not Notice.objects.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("あ" * 2_001, "内容は2000文字以内で入力してください（現在 2001 文字）。"),
        ("復旧\x00しました", "内容に使用できない制御文字が含まれています。"),
        ("復旧\x7fしました", "内容に使用できない制御文字が含まれています。"),
    ],
)
def test_b2_x5_bad_update_text_is_refused(operator_client, operator, products, value, message):
    notice = make_notice(products, operator=operator)
    response = operator_client.post(
        url("notices_notice_status", notice.pk), update_data(**{"update-text": value})
    )
    assert response.status_code == 200
    assert message in messages_beside(response, "text")
    assert not NoticeUpdate.objects.exists()


def test_b2_x5_update_text_with_html_is_shown_escaped(operator_client, operator, products):
    notice = make_notice(products, operator=operator)
    operator_client.post(
        url("notices_notice_status", notice.pk),
        update_data(**{"update-text": "<img src=x onerror=alert(1)>開始"}),
    )
    html = operator_client.get(url("notices_notice_change", notice.pk)).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;開始" in html


def test_b2_x5_unknown_or_garbled_ids_are_404(operator_client):
    for name in ("notices_notice_publish", "notices_notice_status", "notices_notice_unpublish"):
        for pk in ("999999", "abc", "1%00"):
            response = operator_client.post(url(name, pk))
            assert response.status_code == 404, (name, pk)
