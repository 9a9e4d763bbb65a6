"""Every stylesheet parses as written: an unclosed block would swallow the rules after it
(a merged section once nested the inquiry form's honeypot rule inside a media query)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STYLESHEETS = sorted(path for path in ROOT.glob("**/static/**/*.css") if ".venv" not in path.parts)


def test_there_are_stylesheets():
    assert len(STYLESHEETS) >= 3


@pytest.mark.parametrize("path", STYLESHEETS, ids=lambda path: str(path.relative_to(ROOT)))
def test_x6_every_stylesheet_closes_each_block_it_opens(path):
    depth = 0
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"{path.name}:{number}: a block is closed twice"
        if line.startswith("/*"):
            assert depth == 0, f"{path.name}:{number}: a section starts inside an open block"
    assert depth == 0, f"{path.name}: {depth} block(s) left open"
