"""Shared Japanese input rules: phone numbers (D5.1, D6.4) and katakana (D6.4)."""

import pytest
from django import forms

from madoguchi.lib.japanese import normalize_katakana, normalize_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("03-1234-5678", "03-1234-5678"),
        ("0312345678", "03-1234-5678"),
        ("０３－１２３４－５６７８", "03-1234-5678"),
        ("０３ー１２３４ー５６７８", "03-1234-5678"),
        ("090-1234-5678", "090-1234-5678"),
        ("0120-123-456", "0120-123-456"),
    ],
)
def test_d5_1_phone_numbers_are_stored_in_one_form(typed, stored):
    assert normalize_phone(typed, "連絡先電話番号") == stored


@pytest.mark.parametrize(
    "typed", ["", "12", "03-1234-567", "abc", "+1 212 555 0100", "03-1234-5678<script>", "0" * 30]
)
def test_d5_1_other_input_is_not_a_phone_number(typed):
    with pytest.raises(forms.ValidationError) as raised:
        normalize_phone(typed, "連絡先電話番号")
    assert raised.value.messages == [
        "連絡先電話番号は正しい電話番号を半角または全角の数字とハイフンで入力してください。"
    ]


def test_d6_4_half_width_katakana_is_converted():
    assert normalize_katakana("ﾔﾏﾀﾞ ﾀﾛｳ", "氏名（カナ）") == "ヤマダ\u3000タロウ"
    assert normalize_katakana("ヤマダ　ハナコ", "氏名（カナ）") == "ヤマダ\u3000ハナコ"


@pytest.mark.parametrize("typed", ["山田太郎", "やまだ", "Yamada", "ヤマダ1", ""])
def test_d6_4_other_scripts_are_refused(typed):
    with pytest.raises(forms.ValidationError) as raised:
        normalize_katakana(typed, "氏名（カナ）")
    assert raised.value.messages == ["氏名（カナ）は全角カタカナで入力してください。"]
