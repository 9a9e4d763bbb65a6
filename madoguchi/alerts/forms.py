"""The 工事・故障情報メール settings form and the add-a-destination form (S3, X5)."""

from django import forms

from madoguchi.alerts.models import AlertSettings
from madoguchi.alerts.services import from_mask, products_in_order, to_mask
from madoguchi.lib.dates import WEEKDAYS_JA
from madoguchi.lib.forms import NULL_CHARACTERS, email_address_field

KINDS = (("maintenance", "工事情報"), ("outage", "故障情報"))
WEEKDAYS = tuple((str(day), WEEKDAYS_JA[day]) for day in range(7))
HOURS = tuple((str(hour), f"{hour}時台") for hour in range(24))

KINDS_REQUIRED = "工事情報・故障情報のどちらか（または両方）を選択してください。"
WEEKDAYS_REQUIRED = "配信曜日を1つ以上選択してください。"
HOURS_REQUIRED = "配信時間帯を1つ以上選択してください。"
CHOICE_INVALID = "{label}の選択肢から選択してください。"
MISMATCH = "メールアドレスとメールアドレス（確認用）が一致しません。"
KIND_INVALID = "配信を再開する情報（工事情報・故障情報）を指定してください。"


def _choices_messages(label: str, required: str | None = None) -> dict:
    invalid = CHOICE_INVALID.format(label=label)
    messages = {
        "invalid_choice": invalid,
        "invalid_list": invalid,
        "invalid_pk_value": invalid,
        NULL_CHARACTERS: invalid,
    }
    if required:
        messages["required"] = required
    return messages


class ProductsField(forms.ModelMultipleChoiceField):
    def validate_no_null_characters(self, value):
        # Django's own check has its own (misleading) message: the field's is used instead.
        if "\x00" in str(value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid")


class AlertSettingsForm(forms.Form):
    products = ProductsField(
        label="商品",
        queryset=products_in_order(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages=_choices_messages("商品"),
    )
    kinds = forms.MultipleChoiceField(
        label="配信する情報",
        choices=KINDS,
        widget=forms.CheckboxSelectMultiple,
        error_messages=_choices_messages("配信する情報", KINDS_REQUIRED),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label="配信曜日",
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages=_choices_messages("配信曜日", WEEKDAYS_REQUIRED),
    )
    hours = forms.TypedMultipleChoiceField(
        label="配信時間帯",
        choices=HOURS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages=_choices_messages("配信時間帯", HOURS_REQUIRED),
    )

    @staticmethod
    def initial_from(alert_settings: AlertSettings) -> dict:
        return {
            "products": list(alert_settings.products.all()),
            "kinds": [
                code
                for code, on in (
                    ("maintenance", alert_settings.maintenance),
                    ("outage", alert_settings.outage),
                )
                if on
            ],
            "weekdays": [str(day) for day in from_mask(alert_settings.weekdays, 7)],
            "hours": [str(hour) for hour in from_mask(alert_settings.hours, 24)],
        }

    def values(self) -> dict:
        """The cleaned values as ``services.save_settings`` takes them (bitmasks)."""
        data = self.cleaned_data
        return {
            "products": list(data["products"]),
            "maintenance": "maintenance" in data["kinds"],
            "outage": "outage" in data["kinds"],
            "weekdays": to_mask(data["weekdays"]),
            "hours": to_mask(data["hours"]),
        }


class DestinationForm(forms.Form):
    address = email_address_field("メールアドレス")
    address_confirm = email_address_field("メールアドレス（確認用）")

    def clean(self):
        cleaned = super().clean()
        address = cleaned.get("address")
        confirm = cleaned.get("address_confirm")
        if address and confirm is not None and address.lower() != confirm.lower():
            self.add_error("address_confirm", MISMATCH)
        return cleaned


class KindForm(forms.Form):
    """The kind a 「工事情報の配信を再開」 button names (S4: after a one-click unsubscribe)."""

    kind = forms.ChoiceField(
        label="配信する情報",
        choices=KINDS,
        error_messages={
            "required": KIND_INVALID,
            "invalid_choice": KIND_INVALID,
            NULL_CHARACTERS: KIND_INVALID,
        },
    )
