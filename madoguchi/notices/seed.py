"""The products of the demo ISP and which service plans include them (demo data)."""

from madoguchi.notices.models import Product, ServicePlan

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
