from django import forms

from madoguchi.lib.forms import reject_control_characters

LABEL = "カード情報"
MISSING = (
    "カード情報を確認できませんでした。カード番号・有効期限・セキュリティコードを入力してください"
    "（JavaScriptを有効にしてください）。"
)
MALFORMED = "カード情報を確認できませんでした。お手数ですが、もう一度入力してください。"
TOKEN_MAX = 200


class CardTokenForm(forms.Form):
    """The card form as the portal receives it: only the provider's token.

    The card inputs have no ``name`` (payments/_card_fields.html): the browser never
    submits them, and a hand-made POST that carries them is ignored.
    """

    card_token = forms.CharField(
        label=LABEL,
        required=True,
        strip=True,
        widget=forms.HiddenInput,
        error_messages={"required": MISSING, "null_characters_not_allowed": MALFORMED},
    )

    def clean_card_token(self) -> str:
        value = reject_control_characters(self.cleaned_data["card_token"], LABEL)
        if len(value) > TOKEN_MAX or not value.isascii() or not value.isprintable():
            raise forms.ValidationError(MALFORMED)
        return value
