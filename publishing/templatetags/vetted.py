from functools import lru_cache

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language

register = template.Library()

# reviews.search asks PostgreSQL to wrap matches in these control characters, which can never
# appear in stored text, so that everything else can be escaped before <mark> is added.
MATCH_START, MATCH_END = "\x01", "\x02"


@register.filter
def highlight(snippet):
    """A search snippet, escaped, with its matches wrapped in <mark>."""
    escaped = escape(snippet or "")
    return mark_safe(escaped.replace(MATCH_START, "<mark>").replace(MATCH_END, "</mark>"))


@register.filter
def time_element(value, precision="moment"):
    """`<time>` for an aware datetime: its day as readers read dates ("3 March 2026") and,
    for machines, the moment (or with "day", the date) in the site's time zone. The same as
    `<time datetime="{{ v|date:'Y-m-d\\TH:i:sO' }}">{{ v|date:"j F Y" }}</time>`, in one step.
    """
    if value in (None, ""):
        return ""
    local = timezone.localtime(value)
    machine = local.strftime("%Y-%m-%d" if precision == "day" else "%Y-%m-%dT%H:%M:%S%z")
    return format_html(
        '<time datetime="{}">{}</time>', machine, readable_day(local.date(), get_language())
    )


@lru_cache(maxsize=1024)
def readable_day(day, language):
    # `language` is in the key only: date_format reads the active language itself.
    return date_format(day, "j F Y")


@register.filter(is_safe=True)
@lru_cache(maxsize=1024)
def shortened(text, length):
    """`text` cut to `length` characters with an ellipsis, as truncatechars does. The same
    summary is cut on every view of its page, so each process cuts it once."""
    return text if len(text) <= length else Truncator(text).chars(length)
