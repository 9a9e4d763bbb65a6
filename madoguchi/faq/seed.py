"""The demo FAQ: the support site's own FAQ (seed 001) as written, with the demo's names.

The seed's real brand names become the demo's (弊社, the demo mail domain, the desk's 認証ID);
its links to another site become the pages of this one (the login page's 「パスワードを忘れました」
and 「IDを忘れました」, マイメニュー); its typo 工事・故障上メール is 工事・故障情報メール. The
category お問い合わせに関して is the product's own (S5).
"""

from email.utils import parseaddr

from django.conf import settings
from django.urls import reverse

from madoguchi.faq.models import Category, Question


def demo_faq() -> list[tuple[str, list[tuple[str, str]]]]:
    """Categories in order, each with its (question, answer in Markdown) in order."""
    environment = reverse("support:environment")
    login = reverse("support:login")
    inquiry = reverse("inquiries:input")
    sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "example.ne.jp"
    stopped = (
        "メールボックスが一杯で受け取れない状態だったり、なんらかの原因によりメールを届けることが"
        "できない状態が何度か続くと自動的に配信停止状態となります。\n"
        "マイメニューの配信先の一覧で、状態をご確認ください。\n"
        "配信停止状態となっている場合は「配信再開」処理を行ってください。"
    )
    return [
        (
            "サイトの閲覧に関して",
            [
                (
                    "推奨OS、ブラウザーを教えてください。",
                    "お客さまサポートは以下の環境でご覧いただくことを推奨いたします。\n"
                    "推奨環境以外の環境でご利用いただいた場合、また推奨環境下でもお客さまの"
                    "ブラウザーの設定によっては正しくご利用出来ない場合がございます。"
                    "ご了承ください。\n\n"
                    "- Windows 10以降\n"
                    "    - Microsoft Edge 最新版\n"
                    "    - Google Chrome 最新版\n"
                    "    - Firefox 最新版\n"
                    "- Android\n"
                    "    - Google Chrome 最新版\n"
                    "- iPhone\n"
                    "    - Safari 最新版\n\n"
                    f"詳しくは[推奨環境]({environment})のページをご覧ください。",
                ),
                (
                    "ログインしなくても、よくあるご質問や工事・故障情報を閲覧したり、"
                    "問い合わせを行うことができますか?",
                    "はい、できます。\n※一部を除く。",
                ),
                (
                    "工事・故障情報は、誰でも閲覧することができますか?",
                    "はい、どなたでも閲覧できます。\n※一部を除く。",
                ),
            ],
        ),
        (
            "ログインに関して",
            [
                ("お客さまサポートIDとは何ですか?", "当サイトにログインするためのIDです。"),
                (
                    "お客さまサポートIDの登録は必須ですか?",
                    "お客さまサポートIDを登録しなくても、お客さまサポート内の情報は閲覧できます。\n"
                    "お客さまサポートIDは、工事・故障情報メールの受信設定を行うときに必要です。",
                ),
                (
                    "お客さまサポートIDを登録すると、どんな利点がありますか?",
                    "工事・故障情報メールを受け取ることができます。\n"
                    "お客さまサポートID1つにつき最大3つまで配信先を指定することができます。",
                ),
                (
                    "お客さまサポートIDとして登録できるメールアドレスに制限はありますか?",
                    "ありません。お客さまがお持ちのメールアドレスをお客さまサポートIDとして"
                    "登録できます。\n"
                    "なお、弊社をご契約のお客さまは弊社のメールアドレス"
                    "(xxx@arrow.example.ne.jp)でログインできます。",
                ),
                (
                    "カスタマサポートデスクの認証IDでログインできますか?",
                    "はい、できます。",
                ),
                (
                    "カスタマサポートデスクの認証IDでログインしていた他のサイト"
                    "(例:カスタマサポートデスク)からお客さまサポートに遷移したとき、"
                    "ログイン状態は引き継ぎますか?",
                    "はい、ログイン状態を引き継ぎます。",
                ),
                (
                    "お客さまサポートID(ログインID)を忘れました。",
                    f"[ログイン画面]({login})の「IDを忘れました」からお手続きください。",
                ),
                (
                    "パスワードを忘れました。",
                    f"[ログイン画面]({login})の「パスワードを忘れました」からお手続きください。",
                ),
                (
                    "パスワード以外の変更ができません。",
                    "ログイン用メールアドレス、お名前、生年月日の変更は受け付けておりません。",
                ),
            ],
        ),
        (
            "工事・故障情報メールに関して",
            [
                (
                    "工事・故障情報メールが急に届かなくなりました。",
                    "お客さまサポートにログイン後、マイメニューから次の設定をご確認ください。\n"
                    "・メール通知を受けたい商品が選択されていますか?\n\n"
                    f"{stopped}\n\n"
                    "上記に問題がない場合、次をご確認ください。\n"
                    "・メールサーバーのセキュリティポリシーの変更などにより工事・故障情報メールが"
                    "スパム判定されている可能性があります。スパムフォルダに振り分けられていませんか?",
                ),
                (
                    "配信先メールアドレス宛に、工事・故障情報メールが届きません。",
                    "お客さまサポートにログイン後、マイメニューから次の設定をご確認ください。\n"
                    "・メール通知を受けたい商品が選択されていますか? "
                    "商品が1つも選択されていないと、メールは配信されません。\n"
                    "・配信を希望する曜日及び時間が正しく選択されていますか? "
                    "配信希望曜日/時間帯以外に掲載された情報は、メール配信されません。\n"
                    "・配信先のメールアドレスは正しいですか?\n"
                    "・配信停止状態になっていませんか?\n\n"
                    f"{stopped}\n\n"
                    "上記に問題がない場合、次をご確認ください。\n"
                    f"・「@{sender}」からのメールを受信拒否していませんか?\n"
                    "・工事・故障情報メールがスパム判定されていませんか?"
                    "スパムフォルダに振り分けられていませんか?",
                ),
                (
                    "配信先メールアドレスを追加登録しましたが、仮登録確認メールが届きません。"
                    "もう一度操作をおこなうと、すでに登録されているというメッセージが表示されます。",
                    "30分経過後、もう一度お試しください。",
                ),
            ],
        ),
        (
            "お問い合わせに関して",
            [
                (
                    "お問い合わせの回答はいつ届きますか?",
                    "お問い合わせの内容を確認のうえ、担当者より順次回答いたします。"
                    "内容によってはお時間をいただく場合がございます。ご了承ください。\n"
                    "お問い合わせを受け付けると、お問い合わせ番号を記載した受付確認メールを"
                    "お送りします。届かない場合は、ご入力いただいたメールアドレスをご確認ください。",
                ),
                (
                    "ログインしないとできないお問い合わせはありますか?",
                    "はい、ございます。\n"
                    "ご契約内容やご請求に関するお問い合わせは、ご本人確認のため、"
                    "カスタマサポートデスクの認証IDでログインしてからお送りください。\n"
                    f"それ以外のお問い合わせは、ログインしなくても[お問い合わせフォーム]({inquiry})"
                    "からお送りいただけます。",
                ),
            ],
        ),
    ]


def ensure_faq() -> list[Category]:
    """Create or refresh the demo FAQ, every entry published (idempotent); the categories."""
    categories = []
    for order, (name, questions) in enumerate(demo_faq(), start=1):
        category, _ = Category.objects.update_or_create(
            name=name, defaults={"order": order * 10, "published": True}
        )
        categories.append(category)
        for position, (question, answer) in enumerate(questions, start=1):
            entry = Question.objects.filter(question=question).first() or Question(
                question=question
            )
            entry.category = category
            entry.answer = answer
            entry.order = position * 10
            entry.published = True
            entry.save()
    return categories
