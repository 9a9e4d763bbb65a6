"""Validation helpers shared by forms."""

import unicodedata

from django import forms
from django.forms.renderers import DjangoTemplates

# What a browser's bytes that are not UTF-8 become when Django decodes the form.
REPLACEMENT_CHARACTER = "\ufffd"


def control_characters_message(label: str) -> str:
    return f"{label}に使用できない制御文字が含まれています。"


def garbled_characters_message(label: str) -> str:
    return f"{label}に文字化けした文字が含まれています。入力し直してください。"


def reject_control_characters(value: str, label: str) -> str:
    """Refuse control and format characters, and undecodable input, naming the field."""
    if REPLACEMENT_CHARACTER in value:
        raise forms.ValidationError(garbled_characters_message(label))
    if any(unicodedata.category(char) in {"Cc", "Cf"} for char in value):
        raise forms.ValidationError(control_characters_message(label))
    return value


# Django's own check for NUL comes first; its Japanese translation reads "enter some
# characters", so fields that take free text use this message instead.
NULL_CHARACTERS = "null_characters_not_allowed"


def field_messages(label: str, limit: int) -> dict:
    """A text field's messages, naming it: required, too long, NUL."""
    return {
        "required": f"{label}を入力してください。",
        "max_length": f"{label}は{limit}文字以内で入力してください。",
        NULL_CHARACTERS: control_characters_message(label),
    }


class PlainTextMixin:
    """Control and format characters (NUL among them) and garbled input are refused first,
    with the field's own message and nothing else: no rule of the field reads them."""

    def to_python(self, value):
        value = super().to_python(value)
        if value:
            reject_control_characters(value, str(self.label))
        return value


class EmailAddressField(PlainTextMixin, forms.EmailField):
    """One mail address (Django's EmailField: no line breaks, so none reaches a header)."""


def email_address_field(label: str) -> EmailAddressField:
    return EmailAddressField(
        label=label,
        max_length=254,
        error_messages={
            **field_messages(label, 254),
            "invalid": f"{label}を正しい形式（例：taro@example.co.jp）で入力してください。",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none"}),
    )


class FormRenderer(DjangoTemplates):
    """Django's form renderer, except that no widget carries ``maxlength`` (``FORM_RENDERER``).

    A browser silently cuts what people type or paste at ``maxlength`` and the form then
    accepts a value that is not what they typed (a 20-character mail password became its
    first 16). Lengths are checked on the server only, where a too-long value gets the field's
    message. Django adds the attribute for every ``max_length``; this drops it, and an
    explicit one, from every form of the project, the back office's included.
    """

    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if isinstance(widget, dict) and "maxlength" in widget.get("attrs", {}):
            attrs = {key: value for key, value in widget["attrs"].items() if key != "maxlength"}
            context = {**context, "widget": {**widget, "attrs": attrs}}
        return super().render(template_name, context, request)
