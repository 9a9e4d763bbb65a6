"""Defect 9: one wording across every page and mail, and nothing a phone without an emoji
font shows as a box."""

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = sorted(
    path
    for folder in [
        settings.BASE_DIR / "templates",
        *Path(settings.BASE_DIR, "madoguchi").glob("*/templates"),
    ]
    for path in folder.rglob("*")
    if path.is_file() and path.suffix in {".html", ".txt"}
)
# Emoji and pictographs (🔍 U+1F50D, ✎ U+270E, …) render as boxes without an emoji font.
PICTOGRAPHS = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff]")


def test_wording_templates_were_found():
    assert len(TEMPLATES) > 40


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_defect9_one_wording_and_no_pictographs(path):
    text = path.read_text(encoding="utf-8")
    assert "カスタマーサポートデスク" not in text  # the product's name: カスタマサポートデスク
    assert "お申し込み" not in text  # お申込み
    assert "：お客様が入力された" not in text  # no stray colon before the sentence
    assert not PICTOGRAPHS.search(text), PICTOGRAPHS.findall(text)
