"""Checks of rendered pages that apply to every page of the project."""

from html.parser import HTMLParser

FORM_CONTROLS = {"input", "textarea"}


class _Controls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.limited: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in FORM_CONTROLS and "maxlength" in attributes:
            name = attributes.get("name") or attributes.get("id") or "?"
            self.limited.append(f'<{tag} name="{name}" maxlength="{attributes["maxlength"]}">')


def assert_no_input_limits(response_or_html) -> None:
    """No ``<input>`` or ``<textarea>`` carries ``maxlength`` (issue 6, defect 3).

    A browser cuts what people type or paste at ``maxlength`` without a word, and the form
    then accepts a value that is not what they typed. Lengths are the server's to check, with
    the field's message. Pass a test client's response or the HTML itself.
    """
    html = response_or_html
    if not isinstance(html, str):
        html = response_or_html.content.decode()
    parser = _Controls()
    parser.feed(html)
    assert not parser.limited, f"form controls the browser would cut: {parser.limited}"
