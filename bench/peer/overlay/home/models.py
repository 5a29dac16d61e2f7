"""The peer's page type: the generated HomePage with the fields an article page needs."""

from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    summary = models.TextField(blank=True)
    body = RichTextField(blank=True)
    references = RichTextField(blank=True)
    evidence_note = RichTextField(blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("references"),
        FieldPanel("evidence_note"),
    ]
