"""S1 よくあるご質問: the keyword search matches as people type, on SQLite and PostgreSQL.

The suite runs on both databases (``make test``); the expectations below are exact lists,
so a difference between the two fails on one of them.
"""

import re
import time

import pytest
from django.urls import reverse

from madoguchi.contracts.tests.pages import attr, by_id, dom, find_all, page_text, text
from madoguchi.faq.models import Question
from madoguchi.faq.services import search_questions
from madoguchi.faq.tests.factories import CategoryFactory, QuestionFactory

pytestmark = pytest.mark.django_db

NO_HIT = "該当するご質問は見つかりませんでした。"
NEEDS_KEYWORD = "検索するキーワードを入力してください。"


def results(client, query: str) -> list[str]:
    """The questions the search page lists for ``query``, in order."""
    response = client.get(reverse("faq:index"), {"q": query})
    assert response.status_code == 200
    root = dom(response)
    section = by_id(root, "faq-results")
    return [
        text(link)
        for link in find_all(section, lambda e: e.name == "a")
        if re.fullmatch(r"/support/faq/\d+/", attr(link, "href") or "")
    ]


@pytest.mark.parametrize(
    "query",
    [
        "パスワード",  # as written
        "ぱすわーど",  # hiragana
        "ﾊﾟｽﾜｰﾄﾞ",  # half-width katakana
        "パスワード　",  # a full-width space around it
    ],
)
def test_s1_search_folds_kana_and_width(client, demo_faq, query):
    found = results(client, query)
    assert "パスワードを忘れました。" in found
    assert "パスワード以外の変更ができません。" in found


@pytest.mark.parametrize(
    "query", ["Windows", "windows", "ＷＩＮＤＯＷＳ", "ｗｉｎｄｏｗｓ", "WiNdOwS"]
)
def test_s1_search_folds_case_and_full_width_latin(client, demo_faq, query):
    assert results(client, query) == ["推奨OS、ブラウザーを教えてください。"]


@pytest.mark.parametrize("query", ["10", "１０", "Windows １０"])
def test_s1_search_folds_full_width_digits(client, demo_faq, query):
    assert results(client, query) == ["推奨OS、ブラウザーを教えてください。"]


def test_s1_search_katakana_query_finds_hiragana_text_and_back(client):
    QuestionFactory(question="めーるが届きません。", answer="確認してください。")
    QuestionFactory(question="メールの設定", answer="設定します。")
    assert results(client, "メール") == ["めーるが届きません。", "メールの設定"]
    assert results(client, "めーる") == ["めーるが届きません。", "メールの設定"]
    assert results(client, "ﾒｰﾙ") == ["めーるが届きません。", "メールの設定"]


def test_s1_search_password_wasure_finds_the_forgotten_password_question(client, demo_faq):
    assert results(client, "パスワード 忘れ") == ["パスワードを忘れました。"]
    assert results(client, "パスワード　忘れ") == ["パスワードを忘れました。"]  # full-width space
    assert results(client, "ﾊﾟｽﾜｰﾄﾞ   わすれ") == []  # 忘れ is kanji: hiragana is another word


def test_s1_search_words_are_anded(client, demo_faq):
    both = results(client, "お客さまサポートID 登録")
    assert both and all("お客さまサポートID" in question or question in both for question in both)
    assert "お客さまサポートIDとは何ですか?" not in both  # its answer says nothing of 登録
    assert "お客さまサポートIDの登録は必須ですか?" in both
    assert results(client, "パスワード 配信先") == []  # each word alone finds something
    assert results(client, "パスワード") and results(client, "配信先")


def test_s1_search_reads_the_answer_text_not_its_markup(client):
    QuestionFactory(
        question="リンクのご質問", answer="[推奨環境](/support/environment/)をご覧ください。"
    )
    assert results(client, "推奨環境") == ["リンクのご質問"]
    assert results(client, "environment") == []  # the link's address is not its text


def test_s1_search_shows_the_category_and_links_each_question(client, demo_faq):
    response = client.get(reverse("faq:index"), {"q": "パスワード 忘れ"})
    question = Question.objects.get(question="パスワードを忘れました。")
    body = response.content.decode()
    assert f'href="{reverse("faq:question", args=[question.pk])}"' in body
    shown = page_text(response)
    assert "該当するご質問：1件" in shown
    assert "ログインに関して" in shown
    assert 'value="パスワード 忘れ"' in body  # the box keeps the words


def test_s1_search_without_a_hit_says_so_and_offers_the_inquiry_form(client, demo_faq):
    response = client.get(reverse("faq:index"), {"q": "存在しない言葉"})
    assert NO_HIT in page_text(response)
    section = str(by_id(dom(response), "faq-results"))
    assert f'href="{reverse("inquiries:input")}"' in section


@pytest.mark.parametrize(
    "query", ["", " ", "　　", "\t", "!!!", "？？？", "・・・ ！", "%", "_", "%%% ___"]
)
def test_s1_search_with_only_spaces_or_symbols_asks_for_a_keyword(client, demo_faq, query):
    response = client.get(reverse("faq:index"), {"q": query})
    assert response.status_code == 200
    shown = page_text(response)
    assert NEEDS_KEYWORD in shown
    assert NO_HIT not in shown
    assert results(client, query) == []


def test_s1_like_wildcards_are_literal(client):
    QuestionFactory(question="100%のご質問", answer="回答")
    QuestionFactory(question="別のご質問", answer="回答")
    assert results(client, "100%") == ["100%のご質問"]
    assert results(client, "の%") == []


@pytest.mark.parametrize(
    "query",
    [
        "' OR '1'='1",
        "パスワード'; DROP TABLE faq_question; --",
        "パスワード\x00忘れ",
        "パスワード\x07\x1b[31m",
        "<script>alert(1)</script>",
        "\u202eパスワード",
    ],
)
def test_s1_bad_queries_never_fail(client, demo_faq, query):
    response = client.get(reverse("faq:index"), {"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert Question.objects.count() == 17


def test_s1_control_characters_separate_words(client, demo_faq):
    assert results(client, "パスワード\x00忘れ") == ["パスワードを忘れました。"]


def test_s1_invalid_utf8_in_the_query_string_is_no_error(client, demo_faq):
    # Undecodable bytes become U+FFFD, which is no word to search for.
    response = client.get(reverse("faq:index") + "?q=%ff%fe%e3%81")
    assert response.status_code == 200
    assert NEEDS_KEYWORD in page_text(response)
    response = client.get(reverse("faq:index") + "?q=%E3%83%91%E3%82%B9%ff")  # パス + junk
    assert response.status_code == 200
    assert NO_HIT in page_text(response)


def test_s1_a_10000_character_query_is_answered_quickly_and_bounded(
    client, demo_faq, django_assert_max_num_queries
):
    query = "パスワード " + "あ" * 10_000
    started = time.monotonic()
    with django_assert_max_num_queries(3):
        response = client.get(reverse("faq:index"), {"q": query})
    assert response.status_code == 200
    assert time.monotonic() - started < 2
    assert NO_HIT in page_text(response)
    # Many words: only the first few are used, still one query.
    many = " ".join(f"語{number}" for number in range(5_000))
    with django_assert_max_num_queries(3):
        assert client.get(reverse("faq:index"), {"q": many}).status_code == 200


def test_s1_unpublished_questions_are_never_found(client):
    category = CategoryFactory()
    QuestionFactory(category=category, question="公開の停電情報", answer="回答")
    QuestionFactory(category=category, question="非公開の停電情報", answer="回答", published=False)
    hidden = CategoryFactory(published=False)
    QuestionFactory(category=hidden, question="隠れカテゴリの停電情報", answer="回答")
    assert results(client, "停電") == ["公開の停電情報"]


def test_s1_search_text_follows_every_edit(db):
    question = QuestionFactory(question="古いご質問", answer="古い回答")
    question.answer = "新しい回答です"
    question.save(update_fields=["answer"])
    assert [q.question for q in search_questions("新しい").questions] == ["古いご質問"]
    assert search_questions("古い回答").questions == []


def test_s1_search_results_are_capped(client):
    category = CategoryFactory()
    for number in range(60):
        QuestionFactory(category=category, question=f"共通語のご質問{number}", answer="回答")
    response = client.get(reverse("faq:index"), {"q": "共通語"})
    assert len(results(client, "共通語")) == 50
    assert "先頭の50件を表示しています" in page_text(response)


def test_s1_search_results_come_in_the_faqs_order(client):
    second = CategoryFactory(order=20)
    first = CategoryFactory(order=10)
    QuestionFactory(category=second, question="後のカテゴリの料金", order=1)
    QuestionFactory(category=first, question="先のカテゴリの料金 2", order=2)
    QuestionFactory(category=first, question="先のカテゴリの料金 1", order=1)
    assert results(client, "料金") == [
        "先のカテゴリの料金 1",
        "先のカテゴリの料金 2",
        "後のカテゴリの料金",
    ]
