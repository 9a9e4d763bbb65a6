"""Load the fixed demo data that README documents (idempotent)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from madoguchi.contracts.models import Contract, User
from madoguchi.provisioning.services import network_password_hash, set_radius_password

DEMO_PASSWORD = "Demo-123"
OPERATOR_PASSWORD = "Operator-12345"

CONTRACTS = [
    {
        "login": "demo0001@biz.example.ne.jp",
        "customer_number": "N230110835",
        "service_name": "光フレッツ IP1 ファミリータイプ",
        "name": "窓口テスト商事株式会社",
        "name_kana": "マドグチテストショウジカブシキガイシャ",
        "postal_code": "100-0004",
        "address": "東京都千代田区大手町9丁目9-9 サンプルビル31階",
        "department": "情報システム部 ネットワーク担当",
        "contact_email": "contact@example.com",
    },
    {
        "login": "demo0002@biz.example.ne.jp",
        "customer_number": "N230110836",
        "service_name": "光フレッツ IP1 ファミリータイプ",
        "name": "架空電機工業株式会社",
        "name_kana": "カクウデンキコウギョウカブシキガイシャ",
        "postal_code": "530-0001",
        "address": "大阪府大阪市北区梅田9丁目9-9",
        "department": "総務部",
        "contact_email": "it@example.org",
        "online_password_change_allowed": False,
    },
    {
        "login": "demo0003@biz.example.ne.jp",
        "customer_number": "N230110837",
        "service_name": "光フレッツ IP1 マンションタイプ",
        "name": "見本物産有限会社",
        "name_kana": "ミホンブッサンユウゲンガイシャ",
        "postal_code": "460-0008",
        "address": "愛知県名古屋市中区栄9丁目9-9",
        "department": "",
        "contact_email": "office@example.net",
        "status": Contract.Status.ENDED,
    },
]


def load_demo() -> None:
    for data in CONTRACTS:
        data = dict(data)
        login = data.pop("login")
        contract, _ = Contract.objects.update_or_create(
            customer_number=data.pop("customer_number"), defaults=data
        )
        if not User.objects.filter(username=login).exists():
            user = User(username=login, kind=User.Kind.DESK, contract=contract)
            user.set_password(DEMO_PASSWORD)
            user.save()
            if not contract.is_ended:
                # The credential a new line starts with, as provisioning published it.
                set_radius_password(
                    username=login, crypt_hash=network_password_hash(DEMO_PASSWORD)
                )
    if not User.objects.filter(username="operator").exists():
        User.objects.create_superuser(
            username="operator",
            email="operator@example.ne.jp",
            password=OPERATOR_PASSWORD,
            kind=User.Kind.OPERATOR,
        )


class Command(BaseCommand):
    help = "Create or refresh the demo contracts and logins (safe to run again)."

    def handle(self, *args, **options):
        with transaction.atomic():
            load_demo()
        self.stdout.write("demo data loaded")
