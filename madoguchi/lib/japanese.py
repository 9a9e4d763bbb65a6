"""Japanese input shared by forms: phone numbers (D5.1, D6.4) and katakana names (D6.4)."""

import re
import unicodedata

import phonenumbers
from django import forms

PHONE_MESSAGE = "{label}は正しい電話番号を半角または全角の数字とハイフンで入力してください。"
KANA_MESSAGE = "{label}は全角カタカナで入力してください。"

_PHONE_CHARACTERS = re.compile(r"[0-9\-()]+")
# Full-width katakana, the prolonged sound mark, the middle dot and spaces.
_KATAKANA = re.compile(r"[\u30a1-\u30f6\u30fc\u30fb\u3000 ]+")


def normalize_phone(value: str, label: str) -> str:
    """A Japanese phone number in one stored form: national format with hyphens.

    Full-width digits, hyphens and the long dash people type in Japanese input are
    accepted (NFKC folds them); anything that is not a valid Japanese number is refused.
    """
    text = unicodedata.normalize("NFKC", value).strip()
    text = re.sub(r"[‐‑‒–—―−ー]", "-", text)
    text = text.replace(" ", "")
    if not _PHONE_CHARACTERS.fullmatch(text) or len(text) > 20:
        raise forms.ValidationError(PHONE_MESSAGE.format(label=label))
    try:
        number = phonenumbers.parse(text, "JP")
    except phonenumbers.NumberParseException as error:
        raise forms.ValidationError(PHONE_MESSAGE.format(label=label)) from error
    if number.country_code != 81 or not phonenumbers.is_valid_number(number):
        raise forms.ValidationError(PHONE_MESSAGE.format(label=label))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def normalize_katakana(value: str, label: str) -> str:
    """Full-width katakana: half-width katakana is converted, other scripts are refused."""
    text = unicodedata.normalize("NFKC", value).strip()
    # NFKC turns an ideographic space into an ASCII one; keep one full-width space form.
    text = re.sub(r" +", "\u3000", text)
    if not text or not _KATAKANA.fullmatch(text):
        raise forms.ValidationError(KANA_MESSAGE.format(label=label))
    return text


class PhoneField(forms.CharField):
    """A Japanese phone number, stored as ``03-1234-5678``."""

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        return normalize_phone(value, str(self.label))


class KatakanaField(forms.CharField):
    """A name in full-width katakana (half-width converted)."""

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        return normalize_katakana(value, str(self.label))
