"""Japanese search folding (S1): width, kana and case forms match each other."""

import pytest

from madoguchi.lib.search import MAX_TERMS, fold, terms


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ﾊﾟｽﾜｰﾄﾞ", "パスワード"),  # half-width katakana
        ("ぱすわーど", "パスワード"),  # hiragana for katakana
        ("ＯＣＮ", "ocn"),  # full-width letters, upper case
        ("Ｗｉｎｄｏｗｓ　１０", "windows 10"),  # full-width space and digits
        ("EDGE", "Edge"),
    ],
)
def test_s1_search_folds_width_kana_and_case(typed, stored):
    assert fold(typed) == fold(stored)


def test_s1_search_terms_are_split_on_any_space_and_deduplicated():
    assert terms("パスワード　忘れ パスワード") == [fold("パスワード"), "忘れ"]


def test_s1_search_drops_symbol_only_terms_and_bounds_the_query():
    assert terms("   ") == []
    assert terms("%%% ___ !!!") == []
    assert len(terms(" ".join(f"語{i}" for i in range(50)))) == MAX_TERMS
    assert sum(len(term) for term in terms("あ" * 10_000)) <= 100


def test_s1_search_control_characters_split_terms_and_never_reach_the_database():
    assert terms("パス\x00ワード\x1b") == [fold("パス"), fold("ワード")]
