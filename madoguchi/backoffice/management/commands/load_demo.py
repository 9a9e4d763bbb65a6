"""Load the fixed demo data that README documents (idempotent).

It lives in the back office app because demo data spans every capability (contracts,
mail accounts, provisioning) and the back office is the one app that may depend on all.
"""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from madoguchi.alerts.seed import ensure_support_ids
from madoguchi.applications.models import Application
from madoguchi.backoffice.roles import ETSURAN, KANRISHA, UKETSUKE
from madoguchi.cancellation.dates import offered_dates
from madoguchi.cancellation.seed import ensure_choices
from madoguchi.cancellation.services import submit_cancellation
from madoguchi.contracts.models import Contract, User
from madoguchi.faq.seed import ensure_faq
from madoguchi.inquiries.seed import ensure_inquiries
from madoguchi.mailboxes.models import AccountName, Mailbox
from madoguchi.notices.seed import ensure_notices, ensure_products
from madoguchi.provisioning.services import (
    mail_password_hash,
    network_password_hash,
    put_mailbox,
    set_radius_password,
)

DEMO_MAIL_PASSWORD = "Demo-mail-123"  # mail password of the demo mailboxes
DEMO_PASSWORD = "Demo-123"
OPERATOR_PASSWORD = "Operator-12345"

# One back office login per role (B5): username, password, role.
OPERATORS = [
    ("operator", OPERATOR_PASSWORD, KANRISHA),
    ("uketsuke", "Uketsuke-12345", UKETSUKE),
    ("etsuran", "Etsuran-12345", ETSURAN),
]

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
        # 担当者連絡先 (D6.4): demo0001 walks its change.
        "contact_person_name": "窓口 太郎",
        "contact_person_kana": "マドグチ\u3000タロウ",
        "contact_person_department": "情報システム部",
        "contact_person_phone": "03-1234-5678",
        # Pays by invoice again at every load, so the switch to a card can be walked (D6.1).
        "payment_method": Contract.PaymentMethod.INVOICE,
        "card_token": "",
        "card_brand": "",
        "card_last4": "",
        "card_expiry": "",
        # The invoices go to the contract's address and the 「口座振替のお知らせ」 by mail to
        # account 01 again at every load, so D6.2 and D6.3 can be walked (D4.10 follows 01).
        "billing_postal_code": "",
        "billing_address": "",
        "billing_company": "",
        "billing_department": "",
        "billing_addressee": "",
        "billing_notice_method": Contract.NoticeMethod.MAIL,
        "billing_notice_email": "abcdefg@arrow.example.ne.jp",
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
    {
        "login": "demo0004@biz.example.ne.jp",
        "customer_number": "N230110838",
        "service_name": "光フレッツ IP1 ファミリータイプ",
        "name": "模擬システムズ株式会社",
        "name_kana": "モギシステムズカブシキガイシャ",
        "postal_code": "810-0001",
        "address": "福岡県福岡市中央区天神9丁目9-9",
        "department": "管理部",
        "contact_email": "admin@example.org",
    },
    {
        # A cancellation accepted and due next week (D5.3): its menus refuse, saying the date.
        "login": "demo0005@biz.example.ne.jp",
        "customer_number": "N230110839",
        "service_name": "光フレッツ IP1 ファミリータイプ",
        "name": "試作運輸株式会社",
        "name_kana": "シサクウンユカブシキガイシャ",
        "postal_code": "980-0811",
        "address": "宮城県仙台市青葉区一番町9丁目9-9",
        "department": "経営企画部",
        "contact_email": "soumu@example.com",
    },
]
CANCELLATION_KEY = "demo0005-cancellation"
DEMO_REASONS = {
    "reason": "他社へ移行（NTTグループその他）",
    "reason_detail": "インターネット接続（ベストエフォート型サービス）",
    "migration_reason": "価格",
}

# (login, slot, account, host, virus check): demo0001 has one account without virus check,
# demo0004 uses all four slots.
MAILBOXES = [
    ("demo0001@biz.example.ne.jp", 1, "abcdefg", "arrow.example.ne.jp", False),
    ("demo0004@biz.example.ne.jp", 1, "mogi", "arrow.example.ne.jp", True),
    ("demo0004@biz.example.ne.jp", 2, "mogi-sales", "dune.example.ne.jp", False),
    ("demo0004@biz.example.ne.jp", 3, "mogi.support", "arrow.example.ne.jp", True),
    ("demo0004@biz.example.ne.jp", 4, "mogi_info", "dune.example.ne.jp", False),
    ("demo0005@biz.example.ne.jp", 1, "shisaku", "arrow.example.ne.jp", True),
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
                set_radius_password(username=login, crypt_hash=network_password_hash(DEMO_PASSWORD))
    load_demo_mailboxes()
    load_demo_cancellation()
    # お客さまサポート (S1, S5).
    ensure_products()
    ensure_notices()
    ensure_faq()
    # お客さまサポートID (S2) and its 工事・故障情報メール settings (S3), after the products.
    ensure_support_ids()
    for username, password, role in OPERATORS:
        if User.objects.filter(username=username).exists():
            continue
        user = User.objects.create_user(
            username=username,
            email=f"{username}@example.ne.jp",
            password=password,
            kind=User.Kind.OPERATOR,
            is_staff=True,
        )
        user.groups.add(Group.objects.get(name=role.name))
    # After the products (and the operators who answered the demo inquiries).
    ensure_inquiries()


def load_demo_mailboxes() -> None:
    for login, slot, account, host, virus_check in MAILBOXES:
        contract = User.objects.get(username=login).contract
        if Mailbox.objects.filter(contract=contract, slot=slot).exists():
            continue
        AccountName.objects.get_or_create(name=account)
        mailbox = Mailbox.objects.create(
            contract=contract, slot=slot, account=account, host=host, virus_check=virus_check
        )
        # One hash per mailbox: each gets its own salt, as a customer's password would.
        put_mailbox(
            email=mailbox.address,
            password_hash=mail_password_hash(DEMO_MAIL_PASSWORD),
            virus_check=virus_check,
        )
        if slot == 1 and not contract.billing_notice_email:
            # The 「口座振替のご案内」 mail goes to the first address (D4.10 follows it).
            contract.billing_notice_email = mailbox.address
            contract.save(update_fields=["billing_notice_email"])


def load_demo_cancellation() -> None:
    """demo0005's cancellation, accepted as the desk accepts it, for a date next week."""
    user = User.objects.get(username="demo0005@biz.example.ne.jp")
    if Application.objects.filter(submission_key=CANCELLATION_KEY).exists():
        return
    next_week = timezone.localdate() + timedelta(days=7)
    day = next(day for day in offered_dates() if day >= next_week)
    ensure_choices()  # the seed's values (1.2.7), should a test have flushed them
    submit_cancellation(
        user=user,
        values={
            "date": day.isoformat(),
            "reason": DEMO_REASONS["reason"],
            "reason_detail": DEMO_REASONS["reason_detail"],
            "detail_other": "",
            "migration_reason": DEMO_REASONS["migration_reason"],
            "remarks": "",
            "contact_department": "経営企画部",
            "contact_name": "試作 花子",
            "contact_phone": "022-123-4567",
            "contact_fax": "",
            "contact_email": "soumu@example.com",
        },
        submission_key=CANCELLATION_KEY,
    )


class Command(BaseCommand):
    help = "Create or refresh the demo contracts and logins (safe to run again)."

    def handle(self, *args, **options):
        with transaction.atomic():
            load_demo()
        self.stdout.write("demo data loaded")
