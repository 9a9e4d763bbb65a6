"""The drop-downs' first choices (D5.1); operators edit them in the back office."""

from django.db import migrations

CHOICES = {
    "reason": [
        "他社へ移行（NTTグループその他）",
        "他社へ移行（NTTグループ以外）",
        "移転・事務所閉鎖",
        "事業の縮小・廃業",
        "利用しなくなった",
        "その他",
    ],
    "reason_detail": [
        "インターネット接続（ベストエフォート型サービス）",
        "インターネット接続（帯域確保型サービス）",
        "モバイル回線",
        "メールサービス",
        "その他",
    ],
    "migration_reason": [
        "価格",
        "通信速度・品質",
        "サポート・サービス内容",
        "他サービスとのセット契約",
        "社内方針・グループ方針",
        "その他",
    ],
}


def add_choices(apps, schema_editor):
    CancellationChoice = apps.get_model("cancellation", "CancellationChoice")
    for item, labels in CHOICES.items():
        for order, label in enumerate(labels, start=1):
            CancellationChoice.objects.get_or_create(
                item=item, label=label, defaults={"order": order * 10}
            )


class Migration(migrations.Migration):
    dependencies = [("cancellation", "0001_choices_and_schedule")]

    operations = [migrations.RunPython(add_choices, migrations.RunPython.noop)]
