"""The desk's left menu (D1.5), in the seed's order.

An item the contract may not use online (a per-contract flag: the eligibility rule's hidden
refusal) is left out, and its view refuses through ``require_menu_item``. Other refusals
(a paper application in progress, an accepted cancellation) leave the item in the menu: its
page says why nothing can be applied for.
"""

from dataclasses import dataclass, replace
from functools import wraps

from django.urls import reverse

from madoguchi.applications import eligibility
from madoguchi.lib.errors import refuse


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str
    url_name: str
    url_args: tuple = ()
    indent: bool = False
    kind: str | None = None  # the application kind whose eligibility decides the item
    # The views in which the item is the current one (besides its own); "app:" means every
    # view of the app.
    also_current: tuple[str, ...] = ()
    current: bool = False

    @property
    def url(self) -> str:
        return reverse(self.url_name, args=self.url_args)

    def is_current(self, match) -> bool:
        if match is None:
            return False
        if match.view_name == self.url_name:
            # Items of one view told apart by their arguments (the four phone pages).
            shown = tuple(match.args) + tuple(str(v) for v in match.captured_kwargs.values())
            return not self.url_args or shown == tuple(self.url_args)
        return any(
            match.view_name.startswith(name) if name.endswith(":") else match.view_name == name
            for name in self.also_current
        )


MENU = [
    ("ご利用状況", [MenuItem("status", "ご利用状況の確認", "desk:status")]),
    (
        "各種変更のお申込み",
        [
            MenuItem("billing", "ご請求関連", "desk:billing"),
            MenuItem(
                "billing_card",
                "お支払い方法（クレジットカードへ）",
                "payments:card",
                indent=True,
                kind="billing_card",
                also_current=("payments:",),
            ),
            MenuItem(
                "billing_address",
                "「請求書」および「口座振替のお知らせ」送付先住所",
                "desk:billing_address",
                indent=True,
                kind="billing_address",
                also_current=("desk:billing_address_confirm", "desk:billing_address_complete"),
            ),
            MenuItem(
                "billing_notice",
                "「口座振替のお知らせ」の送付方法",
                "desk:billing_notice",
                indent=True,
                kind="billing_notice",
                also_current=("desk:billing_notice_confirm", "desk:billing_notice_complete"),
            ),
            MenuItem(
                "contact_person",
                "担当者連絡先",
                "contacts:input",
                kind="contact_person",
                also_current=("contacts:",),
            ),
            MenuItem(
                "mail",
                "メールアカウントおよびウイルスチェック",
                "mailboxes:list",
                kind="mailbox_add",
                also_current=("mailboxes:",),
            ),
        ],
    ),
    (
        "パスワード変更",
        [
            MenuItem(
                "password",
                "認証パスワード変更",
                "desk:password",
                kind="network_password",
                also_current=("desk:password_confirm", "desk:password_complete"),
            )
        ],
    ),
    (
        "廃止のお申込み",
        [
            MenuItem(
                "cancellation",
                "廃止申込",
                "cancellation:input",
                kind="cancellation",
                also_current=("cancellation:",),
            )
        ],
    ),
    (
        "お電話での問い合わせ",
        [
            MenuItem("phone_setup", "設定方法について", "desk:phone", ("setup",)),
            MenuItem("phone_fault", "故障について", "desk:phone", ("fault",)),
            MenuItem("phone_billing", "請求料金について", "desk:phone", ("billing",)),
            MenuItem(
                "phone_procedures",
                "各種手続き・申し込み方法について",
                "desk:phone",
                ("procedures",),
            ),
        ],
    ),
]
ITEMS = {item.key: item for _, items in MENU for item in items}


def item_hidden(contract, item: MenuItem) -> bool:
    """Whether the contract may not use the item online at all (a per-contract flag)."""
    if item.kind is None:
        return False
    refusal = eligibility.refusal(contract, item.kind)
    return refusal is not None and refusal.hidden


def menu_for(contract, match=None) -> list[tuple[str, list[MenuItem]]]:
    """The contract's menu, the current page's item marked; empty groups are left out."""
    groups = []
    for group, items in MENU:
        shown = [
            replace(item, current=item.is_current(match))
            for item in items
            if not item_hidden(contract, item)
        ]
        if shown:
            groups.append((group, shown))
    return groups


def require_menu_item(key: str):
    """Refuse the view when the contract may not use the item online at all (D1.5)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if item_hidden(request.contract, ITEMS[key]):
                return refuse(request, eligibility.NOT_ONLINE)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
