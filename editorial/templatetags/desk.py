"""Template tags of the editor's desk."""

from django import template
from django.urls import reverse

from articles.models import Article
from reviews.status import ReaderStatus, reader_status_counts

register = template.Library()


@register.simple_tag
def reader_status_summary():
    """[(label, count, changelist URL filtered to it)] for every reader status, in one query."""
    counts = reader_status_counts(Article.objects.all())
    url = reverse("admin:articles_article_changelist")
    return [
        (status.label, counts[status.value], f"{url}?reader_status={status.value}")
        for status in ReaderStatus
    ]
