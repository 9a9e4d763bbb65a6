"""Template filters available in every template (registered as builtins in settings)."""

from django import template

from madoguchi.lib.dates import format_date, format_datetime

register = template.Library()
register.filter("jdate", format_date)
register.filter("jdatetime", format_datetime)
