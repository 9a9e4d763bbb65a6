"""S1: the demo FAQ is the seed's FAQ as written, with the demo's fictional names."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from madoguchi.faq.models import Category, Question
from madoguchi.faq.seed import ensure_faq

pytestmark = pytest.mark.django_db

# The seed's questions, in order, with the demo's names (001_cfae5f43050a56fe.txt).
SEED = {
    "サイトの閲覧に関して": [
        "推奨OS、ブラウザーを教えてください。",
        "ログインしなくても、よくあるご質問や工事・故障情報を閲覧したり、問い合わせを行うことができますか?",
        "工事・故障情報は、誰でも閲覧することができますか?",
    ],
    "ログインに関して": [
        "お客さまサポートIDとは何ですか?",
        "お客さまサポートIDの登録は必須ですか?",
        "お客さまサポートIDを登録すると、どんな利点がありますか?",
        "お客さまサポートIDとして登録できるメールアドレスに制限はありますか?",
        "カスタマサポートデスクの認証IDでログインできますか?",
        "カスタマサポートデスクの認証IDでログインしていた他のサイト(例:カスタマサポートデスク)"
        "からお客さまサポートに遷移したとき、ログイン状態は引き継ぎますか?",
        "お客さまサポートID(ログインID)を忘れました。",
        "パスワードを忘れました。",
        "パスワード以外の変更ができません。",
    ],
    "工事・故障情報メールに関して": [
        "工事・故障情報メールが急に届かなくなりました。",
        "配信先メールアドレス宛に、工事・故障情報メールが届きません。",
        "配信先メールアドレスを追加登録しましたが、仮登録確認メールが届きません。"
        "もう一度操作をおこなうと、すでに登録されているというメッセージが表示されます。",
    ],
    "お問い合わせに関して": [
        "お問い合わせの回答はいつ届きますか?",
        "ログインしないとできないお問い合わせはありますか?",
    ],
}


def answer(question: str) -> str:
    return Question.objects.get(question=question).answer


def test_s1_seed_categories_and_questions_in_order(demo_faq):
    assert [c.name for c in Category.objects.order_by("order")] == list(SEED)
    for category in Category.objects.all():
        assert category.published
        listed = [q.question for q in category.questions.order_by("order")]
        assert listed == SEED[category.name]
    assert Question.objects.filter(published=False).count() == 0


def test_s1_seed_answers_as_written(demo_faq):
    assert answer("お客さまサポートIDとは何ですか?") == "当サイトにログインするためのIDです。"
    assert (
        answer(
            "ログインしなくても、よくあるご質問や工事・故障情報を閲覧したり、"
            "問い合わせを行うことができますか?"
        )
        == "はい、できます。\n※一部を除く。"
    )
    assert answer("工事・故障情報は、誰でも閲覧することができますか?") == (
        "はい、どなたでも閲覧できます。\n※一部を除く。"
    )
    assert answer("お客さまサポートIDを登録すると、どんな利点がありますか?") == (
        "工事・故障情報メールを受け取ることができます。\n"
        "お客さまサポートID1つにつき最大3つまで配信先を指定することができます。"
    )
    assert answer(SEED["工事・故障情報メールに関して"][2]) == "30分経過後、もう一度お試しください。"
    assert answer("パスワード以外の変更ができません。") == (
        "ログイン用メールアドレス、お名前、生年月日の変更は受け付けておりません。"
    )
    first = answer("推奨OS、ブラウザーを教えてください。")
    for line in ("Windows 10以降", "Microsoft Edge 最新版", "Google Chrome 最新版",
                 "Firefox 最新版", "Android", "iPhone", "Safari 最新版"):  # fmt: skip
        assert line in first
    assert f"[推奨環境]({reverse('support:environment')})" in first


def test_s1_seed_uses_the_demos_names_and_our_own_pages(demo_faq):
    every = " ".join(f"{q.question} {q.answer}" for q in Question.objects.all())
    for real in ("OCN", "ocn", "ntt", "NTT", "http://", "https://", "support.ntt.com"):
        assert real not in every, real
    assert "工事・故障上メール" not in every  # the seed's typo, fixed
    assert "工事・故障情報メールがスパム判定" in every
    limit = answer("お客さまサポートIDとして登録できるメールアドレスに制限はありますか?")
    assert "弊社のメールアドレス(xxx@arrow.example.ne.jp)でログインできます。" in limit
    login = reverse("support:login")
    assert answer("パスワードを忘れました。") == (
        f"[ログイン画面]({login})の「パスワードを忘れました」からお手続きください。"
    )
    assert "「IDを忘れました」" in answer("お客さまサポートID(ログインID)を忘れました。")
    assert "マイメニュー" in answer("工事・故障情報メールが急に届かなくなりました。")
    assert "「配信再開」" in answer("配信先メールアドレス宛に、工事・故障情報メールが届きません。")
    assert reverse("inquiries:input") in answer("ログインしないとできないお問い合わせはありますか?")


def test_s1_seed_is_idempotent_and_restores_the_demo(demo_faq):
    Question.objects.filter(question="パスワードを忘れました。").update(published=False)
    ensure_faq()
    ensure_faq()
    assert Category.objects.count() == 4
    assert Question.objects.count() == 17
    assert Question.objects.get(question="パスワードを忘れました。").published


def test_s1_load_demo_loads_the_faq():
    call_command("load_demo", stdout=None)
    assert [c.name for c in Category.objects.order_by("order")] == list(SEED)
    assert Question.objects.published().count() == 17
    # Searchable at once (search_text written on save).
    assert Question.objects.filter(search_text__contains="ぱすわーど").count() >= 2
