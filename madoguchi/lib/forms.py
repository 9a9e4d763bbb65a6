"""Validation helpers shared by forms."""

import unicodedata

from django import forms

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
