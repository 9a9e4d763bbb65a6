"""The drop-downs' first choices (D5.1), as the data migration ``0002_seed_choices`` made them.

``ensure_choices`` puts back those missing (the demo data, and tests whose database was
flushed by a transactional test). Operators edit the choices in the back office.
"""

from madoguchi.cancellation.models import CancellationChoice

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


def ensure_choices() -> None:
    """Create the seed's choices that do not exist (idempotent; edits are kept)."""
    for item, labels in CHOICES.items():
        for order, label in enumerate(labels, start=1):
            CancellationChoice.objects.get_or_create(
                item=item, label=label, defaults={"order": order * 10}
            )
