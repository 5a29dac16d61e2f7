from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

# reviews.search asks PostgreSQL to wrap matches in these control characters, which can never
# appear in stored text, so that everything else can be escaped before <mark> is added.
MATCH_START, MATCH_END = "\x01", "\x02"


@register.filter
def highlight(snippet):
    """A search snippet, escaped, with its matches wrapped in <mark>."""
    escaped = escape(snippet or "")
    return mark_safe(escaped.replace(MATCH_START, "<mark>").replace(MATCH_END, "</mark>"))
