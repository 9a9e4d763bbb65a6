"""The kinds of inquiry (S5), defined in code: some need a desk login (「※一部を除く」)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str  # stored in ``Inquiry.category``
    label: str
    # Only a logged-in desk customer may ask about it: the answer concerns their contract,
    # which an anonymous visitor cannot be shown to own.
    requires_login: bool = False


CATEGORIES = (
    Category("service", "サービス・商品について"),
    Category("fault", "工事・故障について"),
    Category("site", "お客さまサポートサイトについて"),
    Category("contract", "ご契約内容・ご請求について", requires_login=True),
    Category("other", "その他"),
)
BY_CODE = {category.code: category for category in CATEGORIES}
CHOICES = [(category.code, category.label) for category in CATEGORIES]


def label(code: str) -> str:
    category = BY_CODE.get(code)
    return category.label if category else code
