"""Markdown of notices and FAQ answers is sanitized (S1, B2, B3, X5)."""

import pytest

from madoguchi.lib.markdown import plain_text, render_markdown

HOSTILE = [
    ("<script>alert(1)</script>", "<script"),
    ("<iframe src='https://example.com'></iframe>", "<iframe"),
    ('<img src="x" onerror="alert(1)">', "onerror"),
    ("[click](javascript:alert(1))", "javascript:"),
    ("[data](data:text/html;base64,PHNjcmlwdD4=)", "data:"),
    ('<a href="https://example.com" onclick="alert(1)">x</a>', "onclick"),
    ("<style>body{display:none}</style>", "<style"),
    ('<form action="https://evil.example"><input></form>', "<form"),
]


@pytest.mark.parametrize(("source", "forbidden"), HOSTILE)
def test_s1_markdown_drops_scripts_frames_handlers_and_dangerous_links(source, forbidden):
    assert forbidden not in render_markdown(source).lower()


def test_s1_markdown_renders_lists_links_and_tables():
    html = render_markdown(
        "# 見出し\n\n- 一\n- 二\n\n[詳細](https://example.com/a)\n\n"
        "| 地域 | 時間 |\n|---|---|\n| 東京 | 2時 |"
    )
    assert "<h3>見出し</h3>" in html
    assert "<li>一</li>" in html
    assert 'href="https://example.com/a"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "<td>東京</td>" in html


def test_s1_markdown_plain_text_has_no_tags_and_unescaped_entities():
    assert plain_text("**太字** & <b>b</b>") == "太字 & b"
