"""The demo payment provider: tokenizes cards (test numbers only) and resolves tokens.

It stands in for an external provider. The browser sends it the card number, expiry and
security code (static/demopay/demopay.js); it checks them as a provider would, keeps only
the brand, the last four digits and the expiry, and returns a single-use token. The
portal's adapter (adapter.py) resolves the token once: the issuer's answer (approved,
declined, expired) is given then, so a declined card never becomes a stored card.
"""

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from madoguchi.demopay.models import IssuedToken

# Test numbers whose issuer answer is not "approved" (docs/payments.md).
DECLINED_NUMBER = "4000000000000002"
EXPIRED_NUMBER = "4000000000000069"
OUTCOMES = {
    DECLINED_NUMBER: IssuedToken.Outcome.DECLINED,
    EXPIRED_NUMBER: IssuedToken.Outcome.EXPIRED,
}

NUMBER_FORMAT = "カード番号を半角数字で正しく入力してください。"
NUMBER_CHECK = "カード番号に誤りがあります。ご確認のうえ、もう一度入力してください。"
BRAND_UNKNOWN = (
    "ご利用いただけないカードです（VISA・Mastercard・JCB・American Expressをご利用いただけます）。"
)
EXPIRY_FORMAT = "有効期限を「月/年」（例：12/29）の形式で入力してください。"
EXPIRY_PAST = "有効期限が過ぎています。有効期限内のカードをご利用ください。"
CVC_FORMAT = (
    "セキュリティコードを半角数字で正しく入力してください"
    "（カード裏面の3桁、American Expressは表面の4桁）。"
)
BAD_KEY = "決済サービスの設定に誤りがあります。"


class TokenizeError(Exception):
    """The card details were refused; ``field`` is the input the message belongs beside."""

    def __init__(self, field: str, message: str):
        super().__init__(field)
        self.field = field
        self.message = message


class ResolveError(Exception):
    """A token could not be resolved; ``code``: unknown, used, expired_token, declined,
    expired_card."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class ResolvedCard:
    reference: str
    brand: str
    last4: str
    expiry: str


def _digits(value: str) -> str:
    # Full-width digits, spaces and hyphens as people type them.
    folded = unicodedata.normalize("NFKC", value or "")
    return "".join(char for char in folded if char not in " -")


def luhn_valid(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def brand_of(number: str) -> str | None:
    if number.startswith("4") and len(number) == 16:
        return "VISA"
    prefix2, prefix4 = int(number[:2]), int(number[:4])
    if len(number) == 16 and (51 <= prefix2 <= 55 or 2221 <= prefix4 <= 2720):
        return "Mastercard"
    if len(number) == 16 and 3528 <= prefix4 <= 3589:
        return "JCB"
    if len(number) == 15 and prefix2 in (34, 37):
        return "American Express"
    return None


def _check_number(raw: str) -> tuple[str, str]:
    number = _digits(raw)
    if not number.isascii() or not number.isdigit() or not 14 <= len(number) <= 16:
        raise TokenizeError("number", NUMBER_FORMAT)
    if not luhn_valid(number):
        raise TokenizeError("number", NUMBER_CHECK)
    brand = brand_of(number)
    if brand is None:
        raise TokenizeError("number", BRAND_UNKNOWN)
    return number, brand


def _check_expiry(raw: str) -> str:
    folded = _digits(raw).replace("/", "")
    if len(folded) != 4 or not folded.isascii() or not folded.isdigit():
        raise TokenizeError("expiry", EXPIRY_FORMAT)
    month, year = int(folded[:2]), 2000 + int(folded[2:])
    if not 1 <= month <= 12:
        raise TokenizeError("expiry", EXPIRY_FORMAT)
    today = timezone.localdate()
    if (year, month) < (today.year, today.month):
        raise TokenizeError("expiry", EXPIRY_PAST)
    return f"{month:02d}/{folded[2:]}"


def tokenize(*, public_key: str, number: str, expiry: str, cvc: str) -> IssuedToken:
    """Check a card as a provider would and issue a single-use token for it."""
    if not secrets.compare_digest(str(public_key or ""), settings.DEMOPAY_PUBLIC_KEY):
        raise TokenizeError("key", BAD_KEY)
    number, brand = _check_number(str(number or ""))
    shown_expiry = _check_expiry(str(expiry or ""))
    code = _digits(str(cvc or ""))
    length = 4 if brand == "American Express" else 3
    if len(code) != length or not code.isascii() or not code.isdigit():
        raise TokenizeError("cvc", CVC_FORMAT)
    return IssuedToken.objects.create(
        token=f"tok_{secrets.token_urlsafe(24)}",
        brand=brand,
        last4=number[-4:],
        expiry=shown_expiry,
        outcome=OUTCOMES.get(number, IssuedToken.Outcome.APPROVED),
    )


def resolve(token: str) -> ResolvedCard:
    """Use up a token (once, whatever the answer) and give the issuer's answer for its card."""
    with transaction.atomic():
        issued, refusal = _use(str(token))
    if refusal is not None:
        raise ResolveError(refusal)
    return ResolvedCard(
        reference=issued.card_reference,
        brand=issued.brand,
        last4=issued.last4,
        expiry=issued.expiry,
    )


def _use(token: str) -> tuple[IssuedToken | None, str | None]:
    """Mark the token used (committed even when the answer is a refusal)."""
    now = timezone.now()
    issued = IssuedToken.objects.select_for_update().filter(token=token).first()
    if issued is None:
        return None, "unknown"
    if issued.used_at is not None:
        return issued, "used"
    issued.used_at = now
    refusal = None
    if issued.created_at < now - timedelta(seconds=settings.DEMOPAY_TOKEN_TTL_SECONDS):
        refusal = "expired_token"
    elif issued.outcome == IssuedToken.Outcome.DECLINED:
        refusal = "declined"
    elif issued.outcome == IssuedToken.Outcome.EXPIRED:
        refusal = "expired_card"
    else:
        issued.card_reference = f"card_{secrets.token_urlsafe(18)}"
    issued.save(update_fields=["used_at", "card_reference"])
    return issued, refusal
