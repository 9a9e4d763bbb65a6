"""Validation helpers shared by forms."""

import unicodedata

from django import forms


def reject_control_characters(value: str, label: str) -> str:
    """Refuse control and format characters with a message naming the field."""
    if any(unicodedata.category(char) in {"Cc", "Cf"} for char in value):
        raise forms.ValidationError(f"{label}に使用できない制御文字が含まれています。")
    return value
