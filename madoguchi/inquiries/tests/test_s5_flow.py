"""S5, X1, X2, X4: the inquiry form 入力 → 確認 → 完了, its number and confirmation mail."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.audit.models import AuditEntry
from madoguchi.contracts.tests.pages import (
    attr,
    by_id,
    control,
    dom,
    field_errors,
    find_all,
    page_text,
    text,
)
from madoguchi.inquiries.models import Inquiry
from madoguchi.inquiries.tests.pages import (
    CONFIRM,
    FLOW,
    INPUT,
    confirm,
    enter,
    product,
    send,
    values,
)
from madoguchi.lib.drafts import SESSION_KEY
from madoguchi.outbox.models import Mail
from madoguchi.testing.drafts import with_draft_token

pytestmark = pytest.mark.django_db

NUMBER = re.compile(r"Q-\d{8}-\d{4}")


def steps(response) -> list[str]:
    root = dom(response)
    return [text(li) for li in find_all(root, lambda e: e.name == "li" and attr(e, "aria-current"))]


def test_s5_anyone_opens_the_form_without_login(client):
    response = client.get(INPUT)
    assert response.status_code == 200
    assert steps(response) == ["STEP1 入力"]
    body = page_text(response)
    assert "ログインしなくてもお問い合わせいただけます（※一部を除く）" in body
    options = [text(o) for o in find_all(dom(response), lambda e: e.name == "option")]
    assert options[:6] == [
        "選択してください",
        "サービス・商品について",
        "工事・故障について",
        "お客さまサポートサイトについて",
        "ご契約内容・ご請求について",
        "その他",
    ]
    assert "特になし" in options


def test_s5_input_confirm_complete_with_number_and_mail(
    client, smtp_server, django_capture_on_commit_callbacks
):
    light = product("光アクセス")
    response = enter(client, values(product=str(light.pk), phone="０３－１２３４－５６７８"))
    assert response.status_code == 302 and response["Location"] == CONFIRM
    assert not Inquiry.objects.exists()  # nothing stored before the final button (X1)

    page = client.get(CONFIRM)
    assert steps(page) == ["STEP2 確認"]
    summary = {
        text(row.children[0]): text(row.children[1])
        for row in find_all(by_id(dom(page), "inquiry-summary"), lambda e: e.name == "tr")
    }
    assert summary == {
        "お問い合わせ種別": "サービス・商品について",
        "商品": "光アクセス",
        "件名": "料金プランについて",
        "お問い合わせ内容": "光アクセスの料金プランを教えてください。 家族で使う予定です。",
        "お名前": "見本 太郎",
        "メールアドレス": "taro@example.com",
        "電話番号": "03-1234-5678",
        "お客様番号": "（なし）",
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client)
    inquiry = Inquiry.objects.get()
    assert response["Location"] == reverse("inquiries:complete", args=[inquiry.pk])
    assert NUMBER.fullmatch(inquiry.number)
    assert inquiry.number == f"Q-{timezone.localdate():%Y%m%d}-0001"
    assert (inquiry.status, inquiry.product, inquiry.phone) == (
        Inquiry.Status.NEW,
        light,
        "03-1234-5678",
    )
    assert inquiry.body == "光アクセスの料金プランを教えてください。\n家族で使う予定です。"

    done = client.get(response["Location"])
    assert steps(done) == ["STEP3 完了"]
    assert text(by_id(dom(done), "inquiry-number")) == inquiry.number
    assert "受付確認メールを taro@example.com にお送りしました" in page_text(done)

    # The confirmation mail, over real SMTP: the number, the content, 送信専用.
    [mail] = smtp_server.received
    assert mail.rcpt_to == ["taro@example.com"]
    assert mail.subject.strip() == f"【madoguchi】お問い合わせを受け付けました（{inquiry.number}）"
    body = mail.text.replace("\r\n", "\n")
    assert body.startswith("見本 太郎 様\n")
    for line in (
        f"お問い合わせ番号：{inquiry.number}",
        "お問い合わせ種別：サービス・商品について",
        "商品：光アクセス",
        "件名：料金プランについて",
        "電話番号：03-1234-5678",
        "光アクセスの料金プランを教えてください。\n家族で使う予定です。",
        "このメールは送信専用アドレスからお送りしています。",
    ):
        assert line in body
    assert Mail.objects.get().reference == inquiry.number


def test_s5_numbers_count_up_within_a_day(client):
    first = send(client)
    second = send(Client(), values(email="jiro@example.com", email_confirm="jiro@example.com"))
    numbers = list(Inquiry.objects.order_by("pk").values_list("number", flat=True))
    day = f"{timezone.localdate():%Y%m%d}"
    assert numbers == [f"Q-{day}-0001", f"Q-{day}-0002"]
    assert first.status_code == second.status_code == 302


def test_s5_back_keeps_the_values(client):
    enter(client, values(subject="戻るの確認", phone="03-1234-5678"))
    page = client.get(INPUT)
    assert attr(control(page, "subject"), "value") == "戻るの確認"
    assert attr(control(page, "phone"), "value") == "03-1234-5678"
    assert attr(control(page, "email_confirm"), "value") == "taro@example.com"


# --- X2: exactly once ------------------------------------------------------------------------


def test_s5_x2_double_submit_reload_and_replay_make_one_inquiry_and_one_mail(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    enter(client, values())
    data = with_draft_token(client, FLOW)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(CONFIRM, data)
        second = client.post(CONFIRM, data)  # the second click of a double click
    inquiry = Inquiry.objects.get()
    complete = reverse("inquiries:complete", args=[inquiry.pk])
    assert first["Location"] == second["Location"] == complete
    assert client.get(complete).status_code == 200  # reloading the completion page
    assert client.get(complete).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        replay = client.post(CONFIRM, {})  # a replayed form without its key
    assert replay.status_code == 302
    assert Inquiry.objects.count() == 1
    assert Mail.objects.count() == 1
    assert len(mailoutbox) == 1


def test_s5_x2_the_service_refuses_a_draft_submitted_already(client):
    """Two requests of one session that both read the draft (a double click on a slow
    server) reach the service with the same key: one inquiry."""
    from madoguchi.inquiries import services

    draft = {**values(), "product": None, "key": "k" * 32}
    first = services.submit_inquiry(values=draft, user=None, submission_key="k" * 32, ip=None)
    with pytest.raises(services.DuplicateInquiry) as duplicate:
        services.submit_inquiry(values=draft, user=None, submission_key="k" * 32, ip=None)
    assert duplicate.value.inquiry == first
    assert Inquiry.objects.count() == 1 and Mail.objects.count() == 1


def test_s5_the_completion_page_is_only_the_sender_s(client):
    response = send(client)
    other = Client().get(response["Location"])
    assert other.status_code == 404
    missing = client.get(reverse("inquiries:complete", args=[99999]))
    assert missing.status_code == 404


def test_s5_confirm_without_draft_goes_back_to_the_input(client):
    assert client.get(CONFIRM)["Location"] == INPUT
    assert client.post(CONFIRM, {})["Location"] == INPUT
    assert not Inquiry.objects.exists()


# --- 「※一部を除く」: categories that need a desk login ---------------------------------------

LOGIN_REQUIRED = (
    "「ご契約内容・ご請求について」のお問い合わせは、カスタマサポートデスクのIDで"
    "ログインしてからお送りください。"
)


def test_s5_contract_category_needs_a_desk_login(client):
    page = client.get(INPUT)
    note = by_id(dom(page), "category-login")
    assert "「ご契約内容・ご請求について」のお問い合わせには" in text(note)
    [link] = find_all(note, lambda e: e.name == "a")
    assert attr(link, "href") == f"{reverse('support:login')}?next={INPUT}"

    response = enter(client, values(category="contract"))
    assert response.status_code == 200
    assert field_errors(response, "category") == [LOGIN_REQUIRED]
    assert FLOW not in client.session.get(SESSION_KEY, {})
    assert not Inquiry.objects.exists()


def test_s5_a_desk_customer_sends_a_contract_inquiry_with_the_contract_number(customer_client):
    contract = customer_client.session  # noqa: F841 (the session exists)
    page = customer_client.get(INPUT)
    from madoguchi.contracts.models import User

    user = User.objects.get(username="customer1@biz.example.ne.jp")
    number = user.contract.customer_number
    assert "category-login" not in page.content.decode()
    box = by_id(dom(page), "contract-number")
    assert number in text(box)
    assert not find_all(dom(page), lambda e: attr(e, "name") == "contract_number")
    assert attr(control(page, "email"), "value") == user.contract.contact_email

    # A typed number is ignored: the contract's own is used.
    response = send(customer_client, values(category="contract", contract_number="N000000001"))
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert (inquiry.contract, inquiry.contract_number, inquiry.user) == (
        user.contract,
        number,
        user,
    )
    entry = AuditEntry.objects.get(action="inquiry.submit")
    assert (entry.actor, entry.target, entry.action_label) == (
        user,
        inquiry.number,
        "お問い合わせの送信",
    )


def test_s5_logged_out_between_confirm_and_send_is_refused(customer_client):
    enter(customer_client, values(category="contract"))
    token = with_draft_token(customer_client, FLOW)
    from madoguchi.contracts.models import Contract, User

    user = User.objects.get(username="customer1@biz.example.ne.jp")
    Contract.objects.filter(pk=user.contract_id).update(status=Contract.Status.ENDED)
    response = customer_client.post(CONFIRM, token)
    assert response["Location"] == INPUT
    assert not Inquiry.objects.exists()
    page = customer_client.get(INPUT)
    assert LOGIN_REQUIRED in page_text(page)


def test_s5_a_support_id_or_operator_is_not_a_desk_login(client, operator):
    client.force_login(operator)
    response = enter(client, values(category="contract"))
    assert field_errors(response, "category") == [LOGIN_REQUIRED]


# --- query counts --------------------------------------------------------------------------


def test_s5_pages_query_counts_are_bounded(client, django_assert_max_num_queries):
    for index in range(3):
        product(f"商品{index}")
    with django_assert_max_num_queries(6):
        assert client.get(INPUT).status_code == 200
    enter(client, values())
    with django_assert_max_num_queries(6):
        assert client.get(CONFIRM).status_code == 200
    with django_assert_max_num_queries(25):
        response = confirm(client)
    with django_assert_max_num_queries(6):
        assert client.get(response["Location"]).status_code == 200
