"""`{% site_setup %}`: on the admin index, what a new site still lacks before readers can be
served well, each with a link to add it. Shown to whoever may add the missing thing, and
gone once nothing is missing."""

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from articles.models import Audience, SitePage
from reviews.models import BoardMember

register = template.Library()


@register.inclusion_tag("admin/_site_setup.html", takes_context=True)
def site_setup(context):
    """At most three small queries, and none for a user who may add none of the three (an
    editor or a board member opens this page many times a day)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_active:
        return {"missing": []}
    found = (part() for may, part in PARTS if user.has_perm(may))
    return {"missing": [item for item in found if item is not None]}


def missing_audience():
    if Audience.objects.exists():
        return None
    return {
        "text": "No audience yet: readers have nothing to choose and the desk cannot preview "
        "an article.",
        "url": reverse("admin:articles_audience_add"),
        "link": "Add an audience",
    }


def missing_policy():
    if SitePage.objects.filter(slug=SitePage.EDITORIAL_POLICY).exists():
        return None
    initial = urlencode({"slug": SitePage.EDITORIAL_POLICY, "title": "Editorial policy"})
    return {
        "text": "No editorial policy yet: every page links to /editorial-policy/, which answers "
        "“not found” until a site page with the address "
        f"“{SitePage.EDITORIAL_POLICY}” exists.",
        "url": f"{reverse('admin:articles_sitepage_add')}?{initial}",
        "link": "Write the editorial policy",
    }


def missing_board():
    if BoardMember.objects.filter(active=True).exists():
        return None
    return {
        "text": "No board member yet: the advisory board page lists nobody, and an approval "
        "names the approver by their user name.",
        "url": reverse("admin:reviews_boardmember_add"),
        "link": "Add a board member",
    }


# (the permission that adds the part, what says whether it is missing)
PARTS = [
    ("articles.add_audience", missing_audience),
    ("articles.add_sitepage", missing_policy),
    ("reviews.add_boardmember", missing_board),
]
