"""The products of the demo ISP, which service plans include them, and demo notices."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from madoguchi.notices.models import Notice, NoticeUpdate, Product, ServicePlan

PRODUCTS = [
    ("fiber", "光アクセス"),
    ("mail", "メール"),
    ("ip-phone", "050 IP電話"),
    ("dns", "DNS"),
    ("hosting", "Webホスティング"),
]
# Every demo contract's plan is an access line with the ISP's mail and DNS.
PLANS = {
    "光フレッツ IP1 ファミリータイプ": ["fiber", "mail", "dns"],
    "光フレッツ IP1 マンションタイプ": ["fiber", "mail", "dns", "ip-phone"],
}


def ensure_products() -> dict[str, Product]:
    """Create or refresh the demo products and plans; the products by code."""
    products = {}
    for order, (code, name) in enumerate(PRODUCTS, start=1):
        products[code], _ = Product.objects.update_or_create(
            code=code, defaults={"name": name, "order": order}
        )
    for name, codes in PLANS.items():
        plan, _ = ServicePlan.objects.get_or_create(name=name)
        plan.products.set([products[code] for code in codes])
    return products


@dataclass(frozen=True)
class DemoNotice:
    title: str
    kind: str
    status: str
    products: tuple[str, ...]
    area: str
    body: str
    starts: timedelta  # from now
    ends: timedelta | None
    updates: tuple[tuple[timedelta, str, str], ...] = ()  # (from now, status, text)
    members_only: bool = False


Kind, Status = Notice.Kind, Notice.Status
DAY, HOUR = timedelta(days=1), timedelta(hours=1)
NOTICES = [
    DemoNotice(
        title="光アクセス 設備メンテナンス工事（東京都千代田区・中央区）",
        kind=Kind.MAINTENANCE,
        status=Status.SCHEDULED,
        products=("fiber",),
        area="東京都千代田区・中央区",
        body=(
            "光アクセスの収容設備の機能向上のため、以下の日時にメンテナンス工事を行います。\n\n"
            "## 影響\n\n"
            "- 工事時間中、最大30分程度インターネットに接続できなくなります。\n"
            "- 工事終了後、ルーターの再起動が必要な場合があります。\n\n"
            "ご迷惑をおかけしますが、ご理解とご協力をお願いいたします。"
        ),
        starts=7 * DAY,
        ends=7 * DAY + 4 * HOUR,
    ),
    DemoNotice(
        title="メール 送受信がしにくい状況について",
        kind=Kind.OUTAGE,
        status=Status.OCCURRING,
        products=("mail",),
        area="全国",
        body=(
            "一部のお客さまで、メールの送受信に時間がかかる、またはエラーになる状況が"
            "発生しています。\n\n復旧まで今しばらくお待ちください。"
        ),
        starts=-3 * HOUR,
        ends=None,
        updates=(
            (-3 * HOUR, Status.OCCURRING, "メールの送受信がしにくい故障が発生しました。"),
            (-1 * HOUR, Status.OCCURRING, "原因を調査中です。復旧の見込みは改めてお知らせします。"),
        ),
    ),
    DemoNotice(
        title="050 IP電話 発着信ができない状況について（復旧済み）",
        kind=Kind.OUTAGE,
        status=Status.RECOVERED,
        products=("ip-phone",),
        area="大阪府大阪市北区",
        body="050 IP電話の発着信ができない故障が発生しましたが、現在は復旧しております。",
        starts=-3 * DAY,
        ends=-3 * DAY + 2 * HOUR,
        updates=(
            (-3 * DAY, Status.OCCURRING, "050 IP電話の発着信ができない故障が発生しました。"),
            (-3 * DAY + HOUR, Status.OCCURRING, "交換設備の不具合を確認し、調査中です。"),
            (-3 * DAY + 2 * HOUR, Status.RECOVERED, "設備を切り替え、復旧しました。"),
        ),
    ),
    DemoNotice(
        title="DNS サーバー更改工事（中止）",
        kind=Kind.MAINTENANCE,
        status=Status.CANCELLED,
        products=("dns",),
        area="全国",
        body="予定しておりましたDNSサーバーの更改工事は中止いたしました。日程は改めてお知らせします。",
        starts=10 * DAY,
        ends=10 * DAY + 2 * HOUR,
        updates=((-1 * DAY, Status.CANCELLED, "工事を中止しました。"),),
    ),
    DemoNotice(
        title="光アクセス 収容局の設備増強工事（ご契約者さま向け）",
        kind=Kind.MAINTENANCE,
        status=Status.SCHEDULED,
        products=("fiber",),
        area="神奈川県横浜市西区",
        body="対象地域のお客さまには、工事の数日前に個別にご案内いたします。",
        starts=14 * DAY,
        ends=14 * DAY + 3 * HOUR,
        members_only=True,
    ),
]


def ensure_notices() -> list[Notice]:
    """Create or refresh the demo notices (by title), one in each state, published."""
    products = {product.code: product for product in Product.objects.all()}
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    notices = []
    for demo in NOTICES:
        notice, _ = Notice.objects.update_or_create(
            title=demo.title,
            defaults={
                "kind": demo.kind,
                "status": demo.status,
                "area": demo.area,
                "body": demo.body,
                "starts_at": now + demo.starts,
                "ends_at": None if demo.ends is None else now + demo.ends,
                "members_only": demo.members_only,
                # Work is announced ahead; an outage once it occurs.
                "published_at": now + (demo.starts if demo.starts < timedelta(0) else -DAY),
            },
        )
        notice.products.set([products[code] for code in demo.products])
        for at, status, text in demo.updates:
            NoticeUpdate.objects.update_or_create(
                notice=notice, text=text, defaults={"at": now + at, "status": status}
            )
        notices.append(notice)
    return notices
