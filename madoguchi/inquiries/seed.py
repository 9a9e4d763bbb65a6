"""Demo inquiries (S5): a few in each status, one answered with a reply (idempotent)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from madoguchi.contracts.models import User
from madoguchi.inquiries import services
from madoguchi.inquiries.models import Inquiry
from madoguchi.notices.models import Product

DEMO = [
    {
        "key": "demo-inquiry-1",
        "hours_ago": 2,
        "category": "service",
        "product": "光アクセス",
        "subject": "通信速度のプランについて",
        "body": "現在のプランより速い通信速度のプランはありますか。\n料金も教えてください。",
        "name": "見本 一郎",
        "email": "ichiro@example.com",
        "phone": "",
        "contract_number": "",
    },
    {
        "key": "demo-inquiry-2",
        "hours_ago": 26,
        "category": "fault",
        "product": "メール",
        "subject": "メールが受信できません",
        "body": "昨日の夕方からメールソフトで受信できなくなりました。",
        "name": "見本 二郎",
        "email": "jiro@example.com",
        "phone": "03-1234-5678",
        "contract_number": "N230110836",
        "status": Inquiry.Status.IN_PROGRESS,
        "note": "メールサーバーの障害（工事・故障情報）と時間帯が重なる。確認中。",
    },
    {
        "key": "demo-inquiry-3",
        "hours_ago": 50,
        "category": "site",
        "product": None,
        "subject": "お客さまサポートIDの登録について",
        "body": "お客さまサポートIDはどこから登録できますか。",
        "name": "見本 花子",
        "email": "hanako@example.com",
        "phone": "",
        "contract_number": "",
        "reply": (
            "お客さまサポートのトップページ右上の「ログイン」から登録いただけます。\n"
            "ご不明な点がございましたら、あらためてお問い合わせください。"
        ),
    },
    {
        "key": "demo-inquiry-4",
        "hours_ago": 120,
        "category": "other",
        "product": None,
        "subject": "請求書の送付先について",
        "body": "請求書の送付先を経理部に変更したいのですが、手続きを教えてください。",
        "name": "見本 三郎",
        "email": "saburo@example.com",
        "phone": "",
        "contract_number": "",
        "status": Inquiry.Status.CLOSED,
    },
]


FIELDS = ("category", "subject", "body", "name", "email", "phone", "contract_number")


@transaction.atomic
def ensure_inquiries() -> None:
    """Create the demo inquiries that do not exist yet, as the form and operators would."""
    operator = User.objects.filter(kind=User.Kind.OPERATOR).order_by("pk").first()
    for item in DEMO:
        if Inquiry.objects.filter(submission_key=item["key"]).exists():
            continue
        product = Product.objects.filter(name=item["product"]).first() if item["product"] else None
        values = {field: item[field] for field in FIELDS}
        inquiry = services.submit_inquiry(
            values={**values, "product": product.pk if product else None},
            user=None,
            submission_key=item["key"],
            ip=None,
            now=timezone.now() - timedelta(hours=item["hours_ago"]),
        )
        if operator is None:
            continue
        if item.get("note"):
            services.add_note(inquiry=inquiry, text=item["note"], operator=operator, ip=None)
        if item.get("reply"):
            services.send_reply(
                inquiry=inquiry,
                body=item["reply"],
                operator=operator,
                submission_key=f"{item['key']}-reply",
                ip=None,
            )
        if item.get("status"):
            services.update_handling(
                inquiry=inquiry,
                status=item["status"],
                assignee=operator,
                operator=operator,
                ip=None,
            )
