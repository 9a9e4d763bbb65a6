"""The desk's left menu (D1.5), in the seed's order.

An item the contract may not use online (a per-contract flag) is left out, and its view
refuses through ``require_menu_item``.
"""

from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.urls import reverse


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str
    url_name: str
    url_args: tuple = ()
    indent: bool = False

    @property
    def url(self) -> str:
        return reverse(self.url_name, args=self.url_args)


MENU = [
    ("ご利用状況", [MenuItem("status", "ご利用状況の確認", "desk:status")]),
    (
        "各種変更のお申込み",
        [
            MenuItem("billing", "ご請求関連", "desk:billing"),
            MenuItem(
                "billing_card",
                "お支払い方法（クレジットカードへ）",
                "desk:billing_card",
                indent=True,
            ),
            MenuItem(
                "billing_address",
                "「請求書」および「口座振替のお知らせ」送付先住所",
                "desk:billing_address",
                indent=True,
            ),
            MenuItem(
                "billing_notice",
                "「口座振替のお知らせ」の送付方法",
                "desk:billing_notice",
                indent=True,
            ),
            MenuItem("contact_person", "担当者連絡先", "desk:contact_person"),
            MenuItem("mail", "メールアカウントおよびウイルスチェック", "mailboxes:list"),
        ],
    ),
    ("パスワード変更", [MenuItem("password", "認証パスワード変更", "desk:password")]),
    ("廃止のお申込み", [MenuItem("cancellation", "廃止申込", "desk:cancellation")]),
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


def item_allowed(contract, key: str) -> bool:
    """Whether the contract may use the menu item online."""
    if key == "password":
        return contract.online_password_change_allowed
    return True


def menu_for(contract) -> list[tuple[str, list[MenuItem]]]:
    """The contract's menu; a group left without items is not shown either."""
    groups = [
        (group, [item for item in items if item_allowed(contract, item.key)])
        for group, items in MENU
    ]
    return [(group, items) for group, items in groups if items]


def require_menu_item(key: str):
    """Refuse the view when the contract may not use the item online (D1.5)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not item_allowed(request.contract, key):
                raise PermissionDenied("このお手続きはオンラインではご利用いただけません。")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
