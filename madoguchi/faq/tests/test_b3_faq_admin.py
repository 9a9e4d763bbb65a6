"""B3 よくあるご質問 authoring: categories, order, publish/unpublish, preview, roles, audit."""

import pytest
from django.urls import reverse

from madoguchi.audit.labels import action_label
from madoguchi.audit.models import AuditEntry
from madoguchi.backoffice.roles import ETSURAN, UKETSUKE
from madoguchi.backoffice.tests.conftest import url
from madoguchi.contracts.tests.factories import OperatorFactory
from madoguchi.contracts.tests.pages import by_id, dom, page_text
from madoguchi.faq.models import Category, Question
from madoguchi.faq.tests.factories import CategoryFactory, QuestionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kanrisha(client, operator):
    client.force_login(operator)  # the operator persona is 管理者
    return client


@pytest.fixture(params=[ETSURAN, UKETSUKE], ids=["etsuran", "uketsuke"])
def reader(request, client):
    client.force_login(OperatorFactory(username=f"faq-{request.param.key}", role=request.param))
    return client


def changelist_post(queryset, orders: dict[int, int]) -> dict:
    """The list's 「保存」 with the 表示順 numbers typed (list_editable)."""
    rows = list(queryset)
    data = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(len(rows)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "保存",
    }
    for index, row in enumerate(rows):
        data[f"form-{index}-id"] = str(row.pk)
        data[f"form-{index}-order"] = str(orders.get(row.pk, row.order))
    return data


def public_order(client) -> list[str]:
    text = page_text(client.get(reverse("faq:index")))
    questions = Question.objects.published().order_by("question")
    return sorted((q.question for q in questions), key=text.index)


def test_b3_every_role_reads_the_lists_and_pages(reader, demo_faq):
    question = Question.objects.get(question="パスワードを忘れました。")
    for page in (
        url("faq_category_changelist"),
        url("faq_question_changelist"),
        url("faq_category_change", demo_faq[0].pk),
        url("faq_question_change", question.pk),
    ):
        response = reader.get(page)
        assert response.status_code == 200, page
    shown = page_text(reader.get(url("faq_question_changelist")))
    assert "パスワードを忘れました。" in shown
    assert "選択したものを公開する" not in shown  # no actions for reading roles


def test_b3_reading_roles_cannot_add_change_or_publish(reader, demo_faq):
    question = Question.objects.get(question="パスワードを忘れました。")
    assert reader.get(url("faq_question_add")).status_code == 403
    assert reader.post(url("faq_question_add"), {}).status_code == 403
    assert reader.post(url("faq_category_add"), {}).status_code == 403
    response = reader.post(
        url("faq_question_change", question.pk),
        {"category": question.category_id, "question": "変更", "answer": "x", "order": 1},
    )
    assert response.status_code == 403
    reader.post(
        url("faq_question_changelist"),
        {"action": "unpublish", "_selected_action": [question.pk]},
    )
    question.refresh_from_db()
    assert question.question == "パスワードを忘れました。" and question.published
    assert not AuditEntry.objects.filter(action__startswith="faq.").exists()


def test_b3_kanrisha_adds_a_question_unpublished_first_then_publishes_it(kanrisha, operator):
    category = CategoryFactory(name="料金に関して")
    response = kanrisha.post(
        url("faq_question_add"),
        {
            "category": category.pk,
            "question": "請求書はいつ届きますか?",
            "answer": "毎月**10日**ごろにお送りします。",
            "order": "10",
        },
    )
    assert response.status_code == 302
    question = Question.objects.get(question="請求書はいつ届きますか?")
    assert not question.published  # a new question waits for its preview
    assert kanrisha.get(question.get_absolute_url()).status_code == 404
    created = AuditEntry.objects.get(action="faq.question.create")
    assert created.actor == operator
    assert created.after["ご質問"] == "請求書はいつ届きますか?"
    assert created.after["カテゴリ"] == "料金に関して"
    assert created.after["公開"] == "非公開"

    response = kanrisha.post(
        url("faq_question_changelist"),
        {"action": "publish", "_selected_action": [question.pk]},
        follow=True,
    )
    assert "「請求書はいつ届きますか?」を公開しました。" in page_text(response)
    assert kanrisha.get(question.get_absolute_url()).status_code == 200
    published = AuditEntry.objects.get(action="faq.question.publish")
    assert published.before == {"公開": "非公開"} and published.after == {"公開": "公開"}
    assert action_label("faq.question.publish") == "よくあるご質問の公開"
    # Publishing again changes nothing and says so.
    response = kanrisha.post(
        url("faq_question_changelist"),
        {"action": "publish", "_selected_action": [question.pk]},
        follow=True,
    )
    assert "選択したものはすでに公開されています。" in page_text(response)
    assert AuditEntry.objects.filter(action="faq.question.publish").count() == 1


def test_b3_unpublishing_hides_a_question_everywhere(kanrisha, client, demo_faq):
    question = Question.objects.get(question="パスワードを忘れました。")
    kanrisha.post(
        url("faq_question_changelist"), {"action": "unpublish", "_selected_action": [question.pk]}
    )
    kanrisha.logout()
    assert client.get(question.get_absolute_url()).status_code == 404
    assert "パスワードを忘れました。" not in page_text(client.get(reverse("faq:index")))
    found = page_text(client.get(reverse("faq:index"), {"q": "パスワード 忘れ"}))
    assert "該当するご質問は見つかりませんでした。" in found
    entry = AuditEntry.objects.get(action="faq.question.unpublish")
    assert entry.target == "パスワードを忘れました。"


def test_b3_unpublishing_a_category_hides_its_questions(kanrisha, client, demo_faq):
    category = Category.objects.get(name="ログインに関して")
    response = kanrisha.post(
        url("faq_category_changelist"),
        {"action": "unpublish", "_selected_action": [category.pk]},
        follow=True,
    )
    assert "「ログインに関して」を非公開にしました。" in page_text(response)
    question = category.questions.first()
    assert client.get(question.get_absolute_url()).status_code == 404
    assert "ログインに関して" not in page_text(client.get(reverse("faq:index")))
    assert AuditEntry.objects.get(action="faq.category.unpublish").target == "ログインに関して"


def test_b3_order_by_numbers_in_the_list(kanrisha, client, demo_faq):
    category = Category.objects.get(name="サイトの閲覧に関して")
    first, second, third = category.questions.order_by("order")
    response = kanrisha.post(
        url("faq_question_changelist") + f"?category__id__exact={category.pk}",
        changelist_post(category.questions.order_by("order"), {first.pk: 30, third.pk: 5}),
    )
    assert response.status_code == 302
    order = public_order(client)
    assert order.index(third.question) < order.index(second.question) < order.index(first.question)
    changes = AuditEntry.objects.filter(action="faq.question.update").order_by("pk")
    assert [(e.target, e.before, e.after) for e in changes] == [
        (first.question, {"表示順": 10}, {"表示順": 30}),
        (third.question, {"表示順": 30}, {"表示順": 5}),
    ]


def test_b3_category_order_by_numbers(kanrisha, client, demo_faq):
    categories = Category.objects.order_by("order")
    last = categories.last()
    kanrisha.post(url("faq_category_changelist"), changelist_post(categories, {last.pk: 1}))
    kanrisha.logout()
    shown = page_text(client.get(reverse("faq:index")))
    assert shown.index("お問い合わせに関して") < shown.index("サイトの閲覧に関して")
    assert AuditEntry.objects.get(action="faq.category.update").after == {"表示順": 1}


def test_b3_list_loads_the_drag_ordering_script(kanrisha, demo_faq):
    body = kanrisha.get(url("faq_question_changelist")).content.decode()
    assert "/static/js/faq-order.js" in body
    assert 'name="form-0-order"' in body
    assert "<script>" not in body.split("</head>")[1]  # no inline script (CSP)


def test_b3_editing_a_question_is_audited_with_before_and_after(kanrisha, demo_faq):
    question = Question.objects.get(question="パスワードを忘れました。")
    response = kanrisha.post(
        url("faq_question_change", question.pk),
        {
            "category": question.category_id,
            "question": question.question,
            "answer": "ログイン画面からお手続きください。",
            "order": question.order,
            "published": "on",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="faq.question.update")
    assert set(entry.after) == {"回答"}
    assert entry.after["回答"] == "ログイン画面からお手続きください。"
    assert "パスワードを忘れました" in entry.before["回答"]
    # Saving again without a change writes nothing.
    kanrisha.post(
        url("faq_question_change", question.pk),
        {
            "category": question.category_id,
            "question": question.question,
            "answer": "ログイン画面からお手続きください。",
            "order": question.order,
            "published": "on",
        },
    )
    assert AuditEntry.objects.filter(action="faq.question.update").count() == 1
    audit_list = page_text(kanrisha.get(url("audit_auditentry_changelist")))
    assert "よくあるご質問の変更" in audit_list


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("question", "ご質問\x00です", "ご質問に使用できない制御文字が含まれています。"),
        ("answer", "回答\x00です", "回答に使用できない制御文字が含まれています。"),
        ("question", "ご質問\x1bです", "ご質問に使用できない制御文字が含まれています。"),
        (
            "question",
            "ご質問\ufffdです",
            "ご質問に文字化けした文字が含まれています。入力し直してください。",
        ),
        (
            "question",
            "あ" * 301,
            "この値は 300 文字以下でなければなりません( 301 文字になっています)。",
        ),
        ("answer", "回答\x07です", "回答に使用できない制御文字が含まれています。"),
        ("question", "", "このフィールドは必須です。"),
    ],
)
def test_b3_bad_input_is_refused_beside_the_field(kanrisha, field, value, message):
    category = CategoryFactory()
    data = {
        "category": category.pk,
        "question": "ご質問",
        "answer": "回答\n二行目\tタブ",
        "order": 1,
    }
    data[field] = value
    response = kanrisha.post(url("faq_question_add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors[field]
    assert errors
    if message:
        assert message in errors
        assert message in page_text(response)
    assert not Question.objects.exists()
    assert not AuditEntry.objects.exists()


def test_b3_answer_keeps_line_breaks_and_tabs(kanrisha):
    category = CategoryFactory()
    data = {
        "category": category.pk,
        "question": "ご質問",
        "answer": "回答\r\n二行目\tタブ",
        "order": 1,
    }
    assert kanrisha.post(url("faq_question_add"), data).status_code == 302
    assert Question.objects.get().answer == "回答\r\n二行目\tタブ"


def test_b3_nothing_is_deleted(kanrisha, demo_faq):
    question = Question.objects.first()
    assert kanrisha.get(url("faq_question_delete", question.pk)).status_code == 403
    assert (
        kanrisha.post(url("faq_question_delete", question.pk), {"post": "yes"}).status_code == 403
    )
    assert (
        kanrisha.post(url("faq_category_delete", demo_faq[0].pk), {"post": "yes"}).status_code
        == 403
    )
    response = kanrisha.post(
        url("faq_question_changelist"),
        {"action": "delete_selected", "_selected_action": [question.pk], "post": "yes"},
    )
    assert Question.objects.filter(pk=question.pk).exists()
    assert response.status_code in (200, 302)


def test_b3_preview_shows_an_unpublished_question_exactly_as_the_public_page(
    reader, client, demo_faq
):
    question = QuestionFactory(
        category=demo_faq[1],
        question="下書きのご質問ですか?",
        answer="**下書き**の回答です。<script>x()</script>",
        published=False,
    )
    preview = reader.get(url("faq_question_preview", question.pk))
    assert preview.status_code == 200
    banner = page_text(preview)
    assert "プレビュー：お客さまにはまだ公開されていません。" in banner
    assert "<script>x()" not in preview.content.decode()
    assert "「ログインに関して」のほかのご質問" in banner
    # Published, the public page shows the same article the preview showed.
    Question.objects.filter(pk=question.pk).update(published=True)
    reader.logout()
    public = client.get(question.get_absolute_url())
    assert str(by_id(dom(public), "answer")) == str(by_id(dom(preview), "answer"))
    assert "プレビュー" not in page_text(public)


def test_b3_preview_of_an_unknown_question_is_404(kanrisha):
    assert kanrisha.get(url("faq_question_preview", 999999)).status_code == 404
    assert kanrisha.get("/backoffice/faq/question/abc/preview/").status_code == 404


def test_b3_change_page_links_its_preview_and_shows_times_in_jst(kanrisha, demo_faq):
    question = Question.objects.get(question="パスワードを忘れました。")
    response = kanrisha.get(url("faq_question_change", question.pk))
    body = response.content.decode()
    assert f'href="{url("faq_question_preview", question.pk)}"' in body
    assert "サイト上で表示" not in page_text(response)
    listing = page_text(kanrisha.get(url("faq_question_changelist")))
    from madoguchi.lib.dates import format_datetime

    assert format_datetime(question.updated_at) in listing


def test_b3_admin_search_matches_like_the_public_search(kanrisha, demo_faq):
    shown = page_text(kanrisha.get(url("faq_question_changelist"), {"q": "ﾊﾟｽﾜｰﾄﾞ わすれ"}))
    assert "パスワードを忘れました。" not in shown
    shown = page_text(kanrisha.get(url("faq_question_changelist"), {"q": "ﾊﾟｽﾜｰﾄﾞ 忘れ"}))
    assert "パスワードを忘れました。" in shown
    assert "パスワード以外の変更ができません。" not in shown
    assert kanrisha.get(url("faq_question_changelist"), {"q": "\x00%"}).status_code in (200, 302)


def test_b3_category_list_counts_published_questions(kanrisha, demo_faq):
    Question.objects.filter(question="パスワードを忘れました。").update(published=False)
    shown = page_text(kanrisha.get(url("faq_category_changelist")))
    assert "8／9" in shown


def test_b3_back_office_lists_run_a_bounded_number_of_queries(
    kanrisha, demo_faq, django_assert_max_num_queries
):
    for number in range(30):
        QuestionFactory(category=demo_faq[0], question=f"追加{number}")
    with django_assert_max_num_queries(14):
        assert kanrisha.get(url("faq_question_changelist")).status_code == 200
    with django_assert_max_num_queries(12):
        assert kanrisha.get(url("faq_category_changelist")).status_code == 200
    question = Question.objects.first()
    with django_assert_max_num_queries(10):
        assert kanrisha.get(url("faq_question_preview", question.pk)).status_code == 200


def test_b3_kanrisha_adds_a_category_audited_and_its_name_is_checked(kanrisha, operator):
    response = kanrisha.post(url("faq_category_add"), {"name": "料金\x1bに関して", "order": "50"})
    assert response.status_code == 200
    assert "カテゴリ名に使用できない制御文字が含まれています。" in page_text(response)
    assert not Category.objects.exists()
    response = kanrisha.post(url("faq_category_add"), {"name": "料金に関して", "order": "50"})
    assert response.status_code == 302
    category = Category.objects.get(name="料金に関して")
    assert not category.published
    entry = AuditEntry.objects.get(action="faq.category.create")
    assert entry.after == {"カテゴリ名": "料金に関して", "表示順": 50, "公開": "非公開"}
    assert action_label(entry.action) == "FAQカテゴリの追加"
