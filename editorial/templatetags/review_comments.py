"""`{% draft_comments article %}`: the open review comments on an article's draft, for the
article change page (one line in its template), with a link to see them beside the lines."""

from django import template

from reviews import comments

register = template.Library()


@register.inclusion_tag("admin/reviews/_draft_comments_summary.html", takes_context=True)
def draft_comments(context, article):
    request = context.get("request")
    user = getattr(request, "user", None)
    if article is None or not (user and user.has_perm("reviews.view_reviewcomment")):
        return {"shown": False}
    # The desk's change view has read them already for its gutter.
    by_line = context.get("desk_open_comments")
    if by_line is None:
        by_line = comments.open_by_line(article)
    first = next(iter(by_line.values()), [None])[0]
    return {
        "shown": bool(by_line),
        "round": first.round if first else None,
        "by_line": sorted(by_line.items()),
        "count": sum(len(threads) for threads in by_line.values()),
    }
