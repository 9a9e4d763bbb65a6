"""Template filters available in every template (registered as builtins in settings)."""

from django import template

from madoguchi.lib.dates import format_date, format_datetime
from madoguchi.lib.markdown import render_markdown

register = template.Library()
register.filter("jdate", format_date)
register.filter("jdatetime", format_datetime)
register.filter("markdown", render_markdown)
