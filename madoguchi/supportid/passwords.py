"""The password rules of a support ID (S2), as NIST SP 800-63B asks of memorized secrets.

- 8 to 64 characters, counted as characters (any Unicode letter, digits, symbols, spaces);
  a longer one is refused with a message, never cut (no ``maxlength``, nothing truncated);
- no composition rules (no "a digit and a symbol"), no hints, no expiry;
- refused when it is one of the most common passwords: the list shipped in
  ``data/common-passwords.txt.gz`` (Django's list of 20,000, BSD licence, lower-cased;
  compared lower-cased), or when it is the ID's own mail address;
- control characters are refused (they cannot be typed, only pasted by mistake).

The same rules apply at registration, password change and password reset.
"""

from functools import cache
from pathlib import Path

from django import forms
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError

from madoguchi.lib.forms import (
    NULL_CHARACTERS,
    control_characters_message,
    reject_control_characters,
)

MIN_LENGTH = 8
MAX_LENGTH = 64
COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"

TOO_SHORT = "パスワードは{min}文字以上で入力してください（入力された文字数：{count}文字）。"
TOO_LONG = "パスワードは{max}文字以内で入力してください（入力された文字数：{count}文字）。"
TOO_COMMON = (
    "このパスワードはよく使われていて推測されやすいため、ご利用いただけません。"
    "別のパスワードを入力してください。"
)
SAME_AS_ADDRESS = "メールアドレスと同じパスワードはご利用いただけません。"
MISMATCH = "パスワードとパスワード（確認用）が一致しません。"

# Shown beside the password fields (the rules, nothing more: NIST asks for no other hints).
RULES = (
    f"{MIN_LENGTH}文字以上{MAX_LENGTH}文字以内で入力してください。英字・数字・記号の組み合わせは問いません"
    "（スペースや日本語も使えます）。よく使われるパスワードやメールアドレスと同じものは使えません。"
)


@cache
def _common() -> CommonPasswordValidator:
    return CommonPasswordValidator(password_list_path=COMMON_PASSWORDS)


def validate(password: str, *, email: str = "", label: str = "パスワード") -> None:
    """Raise a ValidationError with the first rule the password breaks (Japanese)."""
    reject_control_characters(password, label)
    count = len(password)
    if count < MIN_LENGTH:
        raise ValidationError(TOO_SHORT.format(min=MIN_LENGTH, count=count), code="too_short")
    if count > MAX_LENGTH:
        raise ValidationError(TOO_LONG.format(max=MAX_LENGTH, count=count), code="too_long")
    try:
        _common().validate(password)
    except ValidationError:
        raise ValidationError(TOO_COMMON, code="too_common") from None
    if email and password.strip().lower() == email.strip().lower():
        raise ValidationError(SAME_AS_ADDRESS, code="same_as_address")


class PasswordField(forms.CharField):
    """A password as typed: not stripped, never rendered back, no length attribute."""

    def __init__(self, *, label: str, autocomplete: str = "new-password", **kwargs):
        super().__init__(
            label=label,
            strip=False,
            error_messages={
                "required": f"{label}を入力してください。",
                NULL_CHARACTERS: control_characters_message(label),
            },
            widget=forms.PasswordInput(
                attrs={"autocomplete": autocomplete, "autocapitalize": "none"}
            ),
            **kwargs,
        )
