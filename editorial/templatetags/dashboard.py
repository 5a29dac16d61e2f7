"""`{% desk_dashboard %}`: the admin index's sections of counts (editorial.dashboard)."""

from django import template

from editorial.dashboard import sections

register = template.Library()


@register.inclusion_tag("admin/_desk_dashboard.html", takes_context=True)
def desk_dashboard(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"sections": sections(user) if user and user.is_active else []}
