"""`{% needs_rereview %}`: the admin index list of published articles citing references
retracted since the board approved them (reviews.retractions.needs_rereview)."""

from django import template

from reviews.retractions import needs_rereview as articles_needing_rereview

register = template.Library()


@register.inclusion_tag("admin/_needs_rereview.html")
def needs_rereview():
    """Two queries, however many articles there are."""
    return {"articles": articles_needing_rereview()}
