"""S5, B5, X7: operators answer inquiries in the back office — the queue with filters and
search, the inquiry read only, status, assignee, internal notes and the reply mail."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.audit.models import AuditEntry
from madoguchi.backoffice.roles import ETSURAN, UKETSUKE
from madoguchi.contracts.tests.factories import OperatorFactory
from madoguchi.contracts.tests.pages import (
    attr,
    by_id,
    dom,
    field_errors,
    find_all,
    page_text,
    text,
)
from madoguchi.inquiries import services
from madoguchi.inquiries.models import Inquiry, InquiryNote, InquiryReply
from madoguchi.inquiries.tests.pages import product, values
from madoguchi.outbox.models import Mail

pytestmark = pytest.mark.django_db

LIST = reverse("backoffice:inquiries_inquiry_changelist")


def url(name: str, inquiry) -> str:
    return reverse(f"backoffice:inquiries_inquiry_{name}", args=[inquiry.pk])


def make(n: int = 1, **changes) -> Inquiry:
    data = {
        **values(
            subject=f"件名{n}",
            email=f"user{n}@example.com",
            email_confirm=f"user{n}@example.com",
        ),
        "product": None,
        **changes,
    }
    return services.submit_inquiry(values=data, user=None, submission_key=f"key-{n}", ip=None)


def as_role(role) -> Client:
    client = Client()
    client.force_login(OperatorFactory(role=role))
    return client


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def rows(response) -> list[list[str]]:
    table = by_id(dom(response), "result_list")
    [body] = find_all(table, lambda e: e.name == "tbody")
    return [
        [text(cell) for cell in row.children if getattr(cell, "name", None) in ("td", "th")]
        for row in find_all(body, lambda e: e.name == "tr")
    ]


def test_s5_the_queue_lists_inquiries_with_their_columns(operator_client, operator):
    light = product("光アクセス")
    first = make(1, product=light.pk, category="fault")
    services.update_handling(
        inquiry=first, status="in_progress", assignee=operator, operator=operator, ip=None
    )
    make(2)
    response = operator_client.get(LIST)
    assert response.status_code == 200
    thead = find_all(by_id(dom(response), "result_list"), lambda e: e.name == "thead")[0]
    headers = [text(th) for th in find_all(thead, lambda e: e.name == "th")]
    assert [h for h in headers if h] == [
        "お問い合わせ番号",
        "受付日時",
        "お問い合わせ種別",
        "商品",
        "件名",
        "対応状況",
        "担当者",
    ]
    listed = rows(response)
    assert [row[0] for row in listed] == [Inquiry.objects.get(subject="件名2").number, first.number]
    assert listed[1][2:] == [
        "工事・故障について",
        "光アクセス",
        "件名1",
        "対応中",
        operator.username,
    ]
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}\(.\) \d{2}:\d{2}", listed[1][1])


def test_s5_the_queue_filters_and_searches(operator_client, operator):
    first = make(1, category="fault")
    make(2, category="other")
    services.update_handling(
        inquiry=first, status="answered", assignee=operator, operator=operator, ip=None
    )
    for query, expected in (
        ("?status__exact=answered", ["件名1"]),
        ("?status__exact=new", ["件名2"]),
        ("?category__exact=other", ["件名2"]),
        (f"?assignee__id__exact={operator.pk}", ["件名1"]),
        (f"?q={first.number}", ["件名1"]),
        ("?q=user2@example.com", ["件名2"]),
        ("?q=件名1", ["件名1"]),
    ):
        response = operator_client.get(LIST + query)
        assert response.status_code == 200, query
        assert [row[4] for row in rows(response)] == expected, query


def test_s5_the_inquiry_is_read_only_and_shows_everything(operator_client):
    inquiry = make(1, phone="03-1234-5678", contract_number="N230110835")
    response = operator_client.get(url("change", inquiry))
    assert response.status_code == 200
    body = page_text(response)
    for value in (
        inquiry.number,
        "件名1",
        "見本 太郎",
        "user1@example.com",
        "03-1234-5678",
        "N230110835",
        "未対応",
    ):
        assert value in body
    # Nothing of the record is an input of Django's own form (only the handling forms).
    names = {
        attr(e, "name")
        for e in find_all(dom(response), lambda e: e.name in ("input", "textarea", "select"))
    }
    assert names - {None} == {"csrfmiddlewaretoken", "status", "assignee", "text", "body", "key"}
    # The confirmation mail is listed.
    assert "お問い合わせを受け付けました" in text(by_id(dom(response), "inquiry-mails"))


def test_s5_status_and_assignee_change_is_audited(operator_client, operator):
    inquiry = make()
    response = operator_client.post(
        url("handle", inquiry), {"status": "in_progress", "assignee": str(operator.pk)}
    )
    assert response["Location"] == url("change", inquiry)
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.assignee) == (Inquiry.Status.IN_PROGRESS, operator)
    entry = AuditEntry.objects.get(action="inquiry.handle")
    assert entry.action_label == "お問い合わせの対応状況・担当者の変更"
    assert entry.before == {"対応状況": "未対応", "担当者": "-"}
    assert entry.after == {"対応状況": "対応中", "担当者": operator.username}
    assert (entry.actor, entry.target, entry.ip_address) == (operator, inquiry.number, "127.0.0.1")
    # The same values again change nothing and write no audit row.
    operator_client.post(
        url("handle", inquiry), {"status": "in_progress", "assignee": str(operator.pk)}
    )
    assert AuditEntry.objects.filter(action="inquiry.handle").count() == 1
    for status, label in (("answered", "回答済"), ("closed", "完了"), ("new", "未対応")):
        operator_client.post(url("handle", inquiry), {"status": status, "assignee": ""})
        inquiry.refresh_from_db()
        assert inquiry.get_status_display() == label


def test_s5_bad_handling_values_are_refused(operator_client):
    inquiry = make()
    customer_like = OperatorFactory(username="x", is_active=False)
    response = operator_client.post(
        url("handle", inquiry), {"status": "deleted", "assignee": str(customer_like.pk)}
    )
    assert response.status_code == 200
    assert field_errors(response, "status") == ["対応状況を一覧から選択してください。"]
    assert field_errors(response, "assignee") == ["担当者を一覧から選択してください。"]
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.NEW


def test_s5_notes_are_kept_never_mailed(operator_client, operator, mailoutbox):
    inquiry = make()
    mails = Mail.objects.count()
    response = operator_client.post(url("note", inquiry), {"text": "<b>確認中</b>\r\n2行目"})
    assert response["Location"] == url("change", inquiry)
    note = InquiryNote.objects.get()
    assert (note.text, note.author) == ("<b>確認中</b>\n2行目", operator)
    assert Mail.objects.count() == mails
    page = operator_client.get(url("change", inquiry))
    assert "&lt;b&gt;確認中&lt;/b&gt;<br>2行目" in page.content.decode()
    assert (
        AuditEntry.objects.get(action="inquiry.note").action_label == "お問い合わせの内部メモの追加"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "内部メモを入力してください。"),
        ("あ" * 2001, "内部メモは2000文字以内で入力してください。"),
        ("メモ\x00", "内部メモに使用できない制御文字が含まれています。"),
        ("メモ\x1b", "内部メモに使用できない制御文字が含まれています。"),
        ("メモ\ufffd", "内部メモに文字化けした文字が含まれています。入力し直してください。"),
    ],
)
def test_s5_x5_bad_notes_are_refused(operator_client, value, message):
    inquiry = make()
    response = operator_client.post(url("note", inquiry), {"text": value})
    assert response.status_code == 200
    assert field_errors(response, "text") == [message]
    assert not InquiryNote.objects.exists()


def reply_key(client, inquiry) -> str:
    page = client.get(url("change", inquiry))
    [key] = find_all(dom(page), lambda e: attr(e, "name") == "key")
    return attr(key, "value")


def test_s5_the_reply_is_mailed_kept_and_sets_answered(
    operator_client, operator, smtp_server, django_capture_on_commit_callbacks
):
    inquiry = make(1)
    smtp_server.received.clear()
    key = reply_key(operator_client, inquiry)
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(
            url("reply", inquiry),
            {"body": "ご質問ありがとうございます。\r\n回答です。", "key": key},
        )
    assert response["Location"] == url("change", inquiry)
    reply = InquiryReply.objects.get()
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.ANSWERED
    assert (reply.author, reply.body) == (operator, "ご質問ありがとうございます。\n回答です。")
    assert reply.mail.template == "inquiry_reply" and reply.mail.status == Mail.Status.SENT
    [mail] = [m for m in smtp_server.received if "回答" in m.subject]
    assert mail.rcpt_to == ["user1@example.com"]
    assert mail.subject.strip() == f"【madoguchi】お問い合わせへの回答（{inquiry.number}）"
    body = mail.text.replace("\r\n", "\n")
    assert f"お問い合わせ（{inquiry.number}「件名1」）について" in body
    assert "ご質問ありがとうございます。\n回答です。" in body
    assert "このメールは送信専用アドレスからお送りしています。" in body
    entry = AuditEntry.objects.get(action="inquiry.reply")
    assert entry.after["対応状況"] == "回答済" and entry.action_label == "お問い合わせへの返信"
    page = operator_client.get(url("change", inquiry))
    assert "回答です。" in text(by_id(dom(page), "inquiry-replies"))


def test_s5_x2_double_click_on_reply_sends_one_mail(
    operator_client, django_capture_on_commit_callbacks
):
    inquiry = make()
    key = reply_key(operator_client, inquiry)
    with django_capture_on_commit_callbacks(execute=True):
        first = operator_client.post(url("reply", inquiry), {"body": "回答", "key": key})
        second = operator_client.post(url("reply", inquiry), {"body": "回答", "key": key})
    assert first.status_code == second.status_code == 302
    assert InquiryReply.objects.count() == 1
    assert Mail.objects.filter(template="inquiry_reply").count() == 1
    # A new page gives a new key: a second answer is a second mail.
    other = reply_key(operator_client, inquiry)
    assert other != key
    operator_client.post(url("reply", inquiry), {"body": "追加の回答", "key": other})
    assert Mail.objects.filter(template="inquiry_reply").count() == 2


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"body": ""}, "body", "返信内容を入力してください。"),
        ({"body": "あ" * 4001}, "body", "返信内容は4000文字以内で入力してください。"),
        ({"body": "回答\x07"}, "body", "返信内容に使用できない制御文字が含まれています。"),
    ],
)
def test_s5_x5_bad_replies_are_refused(operator_client, data, field, message):
    inquiry = make()
    response = operator_client.post(url("reply", inquiry), {**data, "key": "a" * 32})
    assert response.status_code == 200
    assert field_errors(response, field) == [message]
    assert not InquiryReply.objects.exists()
    assert not Mail.objects.filter(template="inquiry_reply").exists()


def test_s5_a_reply_without_its_key_is_not_sent(operator_client):
    inquiry = make()
    response = operator_client.post(url("reply", inquiry), {"body": "回答", "key": "<script>"})
    assert response.status_code == 200
    assert "返信画面を開き直してから送信してください。" in page_text(response)
    assert "<script>" not in response.content.decode()
    assert not InquiryReply.objects.exists()


# --- roles (B5) ---------------------------------------------------------------------------


def test_b5_s5_etsuran_reads_inquiries_but_does_not_handle_them():
    inquiry = make()
    client = as_role(ETSURAN)
    assert client.get(LIST).status_code == 200
    page = client.get(url("change", inquiry))
    assert page.status_code == 200
    assert not find_all(
        dom(page), lambda e: attr(e, "id") in ("handling-form", "note-form", "reply-form")
    )
    for action, data in (
        ("handle", {"status": "closed"}),
        ("note", {"text": "メモ"}),
        ("reply", {"body": "回答", "key": "b" * 32}),
    ):
        assert client.post(url(action, inquiry), data).status_code == 403
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.NEW
    assert not InquiryNote.objects.exists() and not InquiryReply.objects.exists()


def test_b5_s5_uketsuke_handles_inquiries():
    inquiry = make()
    client = as_role(UKETSUKE)
    page = client.get(url("change", inquiry))
    assert (
        len(
            find_all(
                dom(page), lambda e: attr(e, "id") in ("handling-form", "note-form", "reply-form")
            )
        )
        == 3
    )
    client.post(url("note", inquiry), {"text": "受付メモ"})
    assert InquiryNote.objects.count() == 1


def test_s5_customers_and_visitors_never_reach_the_queue(customer_client):
    inquiry = make()
    for client in (customer_client, Client()):
        response = client.get(url("change", inquiry))
        assert response.status_code == 302
        assert response["Location"].startswith("/backoffice/login/")


# --- query counts --------------------------------------------------------------------------


def test_s5_back_office_pages_query_counts_are_bounded(
    operator_client, operator, django_assert_max_num_queries
):
    for n in range(15):
        inquiry = make(n, product=product(f"商品{n % 3}").pk)
        services.update_handling(
            inquiry=inquiry, status="in_progress", assignee=operator, operator=operator, ip=None
        )
        services.add_note(inquiry=inquiry, text="メモ", operator=operator, ip=None)
        services.send_reply(
            inquiry=inquiry, body="回答", operator=operator, submission_key=f"r{n}", ip=None
        )
    with django_assert_max_num_queries(12):
        assert operator_client.get(LIST).status_code == 200
    with django_assert_max_num_queries(16):
        assert operator_client.get(url("change", inquiry)).status_code == 200
