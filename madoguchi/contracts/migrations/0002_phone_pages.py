"""The four お電話での問い合わせ pages (D7.1) with their initial text; operators edit it."""

from django.db import migrations

PAGES = [
    (
        "setup",
        "0120-000-101",
        "10:00〜19:00（日曜・祝日・年末年始を除く）",
        "インターネット接続やメールソフトの設定方法についてご案内します。\n\n"
        "お電話の際は、お客様番号と、お使いの機器（ルーター・パソコン等）の機種名を"
        "お手元にご用意ください。",
    ),
    (
        "fault",
        "0120-000-102",
        "24時間 365日",
        "インターネットにつながらない、メールが送受信できないなどの故障についてお受けします。\n\n"
        "お電話の前に、工事・故障情報のページで、お住まいの地域に発生中の故障がないかご確認ください。"
        "お電話の際は、お客様番号と、認証IDをお手元にご用意ください。",
    ),
    (
        "billing",
        "0120-000-103",
        "9:00〜17:00（土曜・日曜・祝日・年末年始を除く）",
        "ご請求金額、お支払い方法、請求書の内容についてお問い合わせをお受けします。\n\n"
        "お電話の際は、お客様番号と、お手元の請求書をご用意ください。",
    ),
    (
        "procedures",
        "0120-000-104",
        "9:00〜17:00（土曜・日曜・祝日・年末年始を除く）",
        "ご契約内容の変更、オプションサービスのお申込み、申込書によるお手続きについてご案内します。\n\n"
        "お電話の際は、お客様番号をお手元にご用意ください。",
    ),
]


def create_pages(apps, schema_editor):
    PhonePage = apps.get_model("contracts", "PhonePage")
    for topic, phone_number, hours, body in PAGES:
        PhonePage.objects.get_or_create(
            topic=topic, defaults={"phone_number": phone_number, "hours": hours, "body": body}
        )


class Migration(migrations.Migration):
    dependencies = [("contracts", "0001_initial")]
    operations = [migrations.RunPython(create_pages, migrations.RunPython.noop)]
