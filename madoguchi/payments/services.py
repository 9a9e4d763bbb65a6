"""お支払い方法（クレジットカードへ） (D6.1): an application of its own kind, and P3.

The card reaches this module only as what the provider's adapter resolved from a token
(``providers.Card``): a reference, the brand, the last four digits and the expiry.
"""

from dataclasses import asdict

from django.db import transaction

from madoguchi.applications import eligibility, registry
from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    lock_for_submission,
    submit_application,
)
from madoguchi.contracts.models import Contract, User
from madoguchi.payments.providers import Card, get_provider
from madoguchi.provisioning.services import publish_billing_change

BILLING_CARD = "billing_card"
ALREADY_CARD = (
    "すでにクレジットカードでお支払いいただいています。ご登録のカードの変更は、"
    "「各種手続き・申し込み方法について」の窓口までお電話でお申し付けください。"
)
IN_PROGRESS = (
    "お支払い方法の変更のお申込み（お申込み番号 {number}）を処理中です。"
    "処理が完了してからご確認ください。"
)
NO_CARD = "カード情報がないため反映できませんでした。お手数ですが、もう一度お申し込みください。"


class CardChangeRefused(Exception):
    """The contract may not switch to a card now; ``message`` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def masked(card: Card | dict) -> str:
    """The card as it is shown back (the contract's own masked form)."""
    values = card if isinstance(card, dict) else asdict(card)
    return Contract(
        card_brand=values["brand"], card_last4=values["last4"], card_expiry=values["expiry"]
    ).card_masked


def payment_method_label(value: str) -> str:
    return str(Contract.PaymentMethod(value).label)


def card_refusal(contract: Contract) -> str | None:
    """Why the contract may not switch to a card online now; None when it may.

    The one eligibility rule first (an accepted cancellation, a paper application…); then
    this flow's own: only 請求書 and 口座振替 switch to a card here (a card on file is
    changed by phone), and one switch at a time.
    """
    found = eligibility.refusal(contract, BILLING_CARD)
    if found is not None:
        return found.message
    if contract.payment_method == Contract.PaymentMethod.CARD:
        return ALREADY_CARD
    pending = Application.objects.in_progress().filter(contract=contract, kind=BILLING_CARD).first()
    if pending is not None:
        return IN_PROGRESS.format(number=pending.number)
    return None


def resolve_card(token: str) -> Card:
    """The card behind the browser's single-use token (raises providers.PaymentError)."""
    return get_provider().resolve(token)


@transaction.atomic
def submit_card_change(
    *, user: User, card: Card, submission_key: str, ip: str | None
) -> Application:
    """Apply for paying by the resolved card (D6.1, X2); the acceptance mail goes to the
    contact address."""
    contract = lock_for_submission(user, submission_key)
    refusal = card_refusal(contract)
    if refusal is not None:
        raise CardChangeRefused(refusal)
    return submit_application(
        contract=contract,
        kind=BILLING_CARD,
        user=user,
        before={"payment_method": contract.payment_method},
        after={"payment_method": Contract.PaymentMethod.CARD.value, "card": masked(card)},
        work={"card": asdict(card)},
        mail_to=[contract.contact_email],
        submission_key=submission_key,
        ip=ip,
    )


def carry_out_card_change(application: Application) -> registry.Done | registry.Failed:
    """The kind's processor (under the contract's row lock): pay by the card from now on,
    and publish the change to the billing system with the provider's token only (P3)."""
    card = application.work.get("card")
    if not card:
        return registry.Failed(NO_CARD)
    contract = application.contract
    contract.payment_method = Contract.PaymentMethod.CARD
    contract.card_token = card["token"]
    contract.card_brand = card["brand"]
    contract.card_last4 = card["last4"]
    contract.card_expiry = card["expiry"]
    contract.save(
        update_fields=[
            "payment_method",
            "card_token",
            "card_brand",
            "card_last4",
            "card_expiry",
            "updated_at",
        ]
    )
    publish_billing_change(
        application=application,
        values={"payment_method": Contract.PaymentMethod.CARD.value, "card_token": card["token"]},
    )
    return registry.Done()


KIND = registry.Kind(
    code=BILLING_CARD,
    label="お支払い方法の変更（クレジットカードへ）",
    fields=(
        registry.Field("payment_method", "支払い方法", format=payment_method_label),
        registry.Field("card", "カード"),
    ),
    processor=carry_out_card_change,
    # Fails closed: without a usable provider the menu leaves the item out and it refuses.
    allowed=lambda contract: get_provider().available(),
    in_progress_label="反映中",
)
