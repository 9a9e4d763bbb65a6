"""Markdown written by operators (notices, FAQ answers), rendered to safe HTML.

``markdown`` renders, ``nh3`` (the Rust ``ammonia`` sanitizer) keeps only the tags below:
no script, style, iframe, form, image or event handler survives, and links keep only the
http, https and mailto schemes (no ``javascript:`` or ``data:``). The back office's preview
renders through the same function, so it shows exactly what the public page shows.
"""

import html

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "h3", "h4", "h5", "h6", "a",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["tables", "sane_lists", "nl2br"]


def render_markdown(text: str) -> SafeString:
    """HTML of ``text``; headings start at h3 (the page has h1 and h2 of its own)."""
    rendered = markdown_lib.markdown(text or "", extensions=EXTENSIONS, output_format="html")
    rendered = (
        rendered.replace("<h1>", "<h3>")
        .replace("</h1>", "</h3>")
        .replace("<h2>", "<h4>")
        .replace("</h2>", "</h4>")
    )
    clean = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(clean)  # sanitized by nh3 just above


def plain_text(text: str) -> str:
    """The text of rendered Markdown without any tag (feeds' summaries, mails, search)."""
    return html.unescape(nh3.clean(str(render_markdown(text)), tags=set())).strip()
