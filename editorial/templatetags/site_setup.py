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
    """Three small queries, only for users who may add one of the three."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_active:
        return {"missing": []}
    return {"missing": [item for item in missing_parts() if user.has_perm(item["permission"])]}


def missing_parts():
    """What the site lacks, each as {permission, text, url, link} (the permission adds it)."""
    missing = []
    if not Audience.objects.exists():
        missing.append(
            {
                "permission": "articles.add_audience",
                "text": "No audience yet: readers have nothing to choose and the desk cannot "
                "preview an article.",
                "url": reverse("admin:articles_audience_add"),
                "link": "Add an audience",
            }
        )
    if not SitePage.objects.filter(slug=SitePage.EDITORIAL_POLICY).exists():
        initial = urlencode({"slug": SitePage.EDITORIAL_POLICY, "title": "Editorial policy"})
        missing.append(
            {
                "permission": "articles.add_sitepage",
                "text": "No editorial policy yet: every page links to /editorial-policy/, "
                "which answers “not found” until a site page with the address "
                f"“{SitePage.EDITORIAL_POLICY}” exists.",
                "url": f"{reverse('admin:articles_sitepage_add')}?{initial}",
                "link": "Write the editorial policy",
            }
        )
    if not BoardMember.objects.filter(active=True).exists():
        missing.append(
            {
                "permission": "reviews.add_boardmember",
                "text": "No board member yet: the advisory board page lists nobody, and an "
                "approval names the approver by their user name.",
                "url": reverse("admin:reviews_boardmember_add"),
                "link": "Add a board member",
            }
        )
    return missing
