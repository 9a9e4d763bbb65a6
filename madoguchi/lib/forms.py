"""Validation helpers shared by forms."""

import unicodedata

from django import forms


def control_characters_message(label: str) -> str:
    return f"{label}に使用できない制御文字が含まれています。"


def reject_control_characters(value: str, label: str) -> str:
    """Refuse control and format characters with a message naming the field."""
    if any(unicodedata.category(char) in {"Cc", "Cf"} for char in value):
        raise forms.ValidationError(control_characters_message(label))
    return value


# Django's own check for NUL comes first; its Japanese translation reads "enter some
# characters", so fields that take free text use this message instead.
NULL_CHARACTERS = "null_characters_not_allowed"


class UntruncatedMixin:
    """Never let the browser cut input short: no ``maxlength`` on any widget.

    Django renders a field's ``max_length`` as ``maxlength``, which silently truncates what
    is typed or pasted (a 17-character password became a 16-character one). The server
    refuses overlong input with the rule's own message instead.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.pop("maxlength", None)
