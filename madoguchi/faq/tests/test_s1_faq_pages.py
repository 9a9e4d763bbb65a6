"""S1 よくあるご質問: the categories in the seed's order, each question on its own page."""

import pytest
from django.urls import reverse

from madoguchi.contracts.tests.pages import by_id, classes, dom, find_all, page_text, text
from madoguchi.faq.models import Category, Question
from madoguchi.faq.tests.factories import CategoryFactory, QuestionFactory

pytestmark = pytest.mark.django_db

SEED_ORDER = [
    "サイトの閲覧に関して",
    "ログインに関して",
    "工事・故障情報メールに関して",
    "お問い合わせに関して",
]


def squash(value: str) -> str:
    """Text without the spaces that separate elements (a link inside a sentence)."""
    return "".join(value.split())


def category_names(response) -> list[str]:
    root = dom(response)
    sections = find_all(root, lambda e: e.name == "section" and "faq-category" in classes(e))
    return [text(find_all(section, lambda e: e.name == "h2")[0]) for section in sections]


def test_s1_faq_index_lists_categories_in_the_seeds_order_with_their_questions(client, demo_faq):
    response = client.get(reverse("faq:index"))
    assert response.status_code == 200
    assert category_names(response) == SEED_ORDER
    shown = page_text(response)
    # Each question is a link to its own page, in the seed's order within its category.
    login = Category.objects.get(name="ログインに関して")
    questions = list(login.questions.order_by("order"))
    assert [q.question for q in questions][:2] == [
        "お客さまサポートIDとは何ですか?",
        "お客さまサポートIDの登録は必須ですか?",
    ]
    positions = [shown.index(q.question) for q in questions]
    assert positions == sorted(positions)
    body = response.content.decode()
    for question in Question.objects.all():
        assert f'href="{reverse("faq:question", args=[question.pk])}"' in body
    assert f'href="{reverse("inquiries:input")}"' in body


def test_s1_faq_index_needs_no_login_and_works_for_every_kind_of_visitor(
    client, customer, operator, demo_faq
):
    assert client.get(reverse("faq:index")).status_code == 200
    client.force_login(customer)
    assert client.get(reverse("faq:index")).status_code == 200
    client.force_login(operator)
    assert client.get(reverse("faq:index")).status_code == 200


def test_s1_question_page_shows_answer_category_related_questions_and_inquiry_link(
    client, demo_faq
):
    question = Question.objects.get(question="パスワードを忘れました。")
    response = client.get(reverse("faq:question", args=[question.pk]))
    assert response.status_code == 200
    root = dom(response)
    assert text(find_all(root, lambda e: e.name == "h1")[0]).endswith("パスワードを忘れました。")
    answer = squash(text(by_id(root, "answer")))
    assert "ログイン画面の「パスワードを忘れました」からお手続きください。" in answer
    assert "カテゴリ：ログインに関して" in answer
    related = text(by_id(root, "faq-related"))
    assert "「ログインに関して」のほかのご質問" in related
    assert "お客さまサポートIDとは何ですか?" in related
    assert "パスワードを忘れました。" not in related  # not itself
    assert "推奨OS、ブラウザーを教えてください。" not in related  # another category
    body = response.content.decode()
    assert f'href="{reverse("inquiries:input")}"' in body
    assert f'href="{reverse("support:login")}"' in body  # the answer's link to our own page
    category = question.category
    assert f'href="{reverse("faq:index")}#category-{category.pk}"' in body
    assert f'id="category-{category.pk}"' in client.get(reverse("faq:index")).content.decode()


def test_s1_first_answer_lists_the_environments_and_links_the_environment_page(client, demo_faq):
    question = Question.objects.get(question="推奨OS、ブラウザーを教えてください。")
    response = client.get(reverse("faq:question", args=[question.pk]))
    body = response.content.decode()
    assert f'<a href="{reverse("support:environment")}"' in body
    shown = page_text(response)
    for line in ("Windows 10以降", "Microsoft Edge 最新版", "Android", "iPhone", "Safari 最新版"):
        assert line in shown


def test_s1_question_url_is_stable_and_unknown_ids_are_404(client, demo_faq):
    question = Question.objects.get(question="パスワードを忘れました。")
    assert question.get_absolute_url() == f"/support/faq/{question.pk}/"
    assert client.get("/support/faq/999999/").status_code == 404
    assert client.get("/support/faq/99999999999999999999999/").status_code == 404
    assert client.get("/support/faq/abc/").status_code == 404


def test_s1_unpublished_question_is_404_and_not_listed(client):
    shown = QuestionFactory(question="公開中のご質問ですか?")
    hidden = QuestionFactory(
        question="準備中のご質問ですか?", category=shown.category, published=False
    )
    assert client.get(reverse("faq:question", args=[hidden.pk])).status_code == 404
    listing = page_text(client.get(reverse("faq:index")))
    assert "公開中のご質問ですか?" in listing
    assert "準備中のご質問ですか?" not in listing
    related = page_text(client.get(reverse("faq:question", args=[shown.pk])))
    assert "準備中のご質問ですか?" not in related


def test_s1_questions_of_an_unpublished_category_are_404_and_not_listed(client):
    category = CategoryFactory(name="準備中のカテゴリ", published=False)
    question = QuestionFactory(category=category, question="隠れたご質問ですか?")
    assert client.get(reverse("faq:question", args=[question.pk])).status_code == 404
    listing = page_text(client.get(reverse("faq:index")))
    assert "準備中のカテゴリ" not in listing
    assert "隠れたご質問ですか?" not in listing


def test_s1_answer_markdown_is_rendered_and_sanitized(client):
    question = QuestionFactory(
        answer=(
            "**太字**と[お問い合わせ](/support/inquiry/)\n\n"
            "<script>alert(1)</script>\n\n"
            '<iframe src="https://evil.example/"></iframe>\n\n'
            '<img src="x" onerror="alert(2)">\n\n'
            "[危険](javascript:alert(3)) [データ](data:text/html;base64,PHNjcmlwdD4=)\n\n"
            '<a href="/x" onclick="alert(4)">クリック</a>'
        )
    )
    response = client.get(reverse("faq:question", args=[question.pk]))
    answer = str(by_id(dom(response), "answer"))
    body = response.content.decode()
    assert "<strong>太字</strong>" in body
    assert '<a href="/support/inquiry/"' in body
    for bad in ("<script", "<iframe", "onerror", "onclick", "javascript:", "data:text", "<img"):
        assert bad not in body.split('id="answer"')[1].split("</article>")[0], bad
    assert "alert(2)" not in answer


def test_s1_question_text_is_escaped(client):
    question = QuestionFactory(question='<b onmouseover="x()">太字</b>ですか?')
    body = client.get(reverse("faq:question", args=[question.pk])).content.decode()
    assert "<b onmouseover" not in body
    assert "&lt;b onmouseover" in body


def test_s1_empty_faq_says_so(client):
    assert "現在、掲載しているご質問はありません。" in page_text(client.get(reverse("faq:index")))


def test_s1_faq_pages_run_a_bounded_number_of_queries(
    client, demo_faq, django_assert_max_num_queries
):
    # Extra questions must not add queries (no per-row query).
    for number in range(20):
        QuestionFactory(category=demo_faq[0], question=f"追加のご質問{number}ですか?")
    question = Question.objects.get(question="パスワードを忘れました。")
    # Categories and their questions (2); session lookups a visitor's request may make (2).
    with django_assert_max_num_queries(4):
        assert client.get(reverse("faq:index")).status_code == 200
    # The question with its category, and the related questions.
    with django_assert_max_num_queries(4):
        assert client.get(reverse("faq:question", args=[question.pk])).status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get(reverse("faq:index"), {"q": "パスワード"}).status_code == 200
