"""Articles, the audiences they are phrased for, topics, disclaimers and site pages.

An Article row is the editors' draft. What readers see is never this row but a review round
frozen from it (see reviews.models.ReviewRound).
"""

import reversion
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from articles.rendering import normalise_line_ends

# What an editor types is bounded, so one field cannot slow rendering, search indexing or a
# comparison down. The body's limit is about 30,000 words: several times the longest article an
# editor should write.
BODY_LENGTH = 200_000
SUMMARY_LENGTH = 3000
EVIDENCE_NOTE_LENGTH = 10_000


def limited_text(length, **options):
    """A TextField of at most `length` characters, checked by forms and by full_clean()
    (a TextField's max_length alone is only a form's), so imports are held to it too."""
    return models.TextField(max_length=length, validators=[MaxLengthValidator(length)], **options)


class Audience(models.Model):
    slug = models.SlugField(
        max_length=50,
        unique=True,
        help_text=(
            "What editors write to phrase a passage for these readers (a block opening "
            "'::: audience patient') and what the page's address carries (?audience=patient). "
            "Changing it later leaves blocks written with the old one unknown."
        ),
    )
    name = models.CharField(
        max_length=100, help_text="As readers see it in “Which best describes you?”."
    )
    description = models.CharField(
        max_length=300, blank=True, help_text="For editors; readers do not see it."
    )
    order = models.PositiveSmallIntegerField(
        default=0, help_text="Where it stands in the list readers choose from, lowest first."
    )
    is_default = models.BooleanField(
        "default", default=False, help_text="Shown to readers who have not chosen an audience."
    )

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="audience_single_default"
            )
        ]

    def __str__(self):
        return self.name


class Topic(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    description = limited_text(2000, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Article(models.Model):
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text=(
            "The article's address. A new address takes effect with the next approved round; "
            "earlier addresses keep redirecting to it."
        ),
    )
    title = models.CharField(
        "question", max_length=300, help_text="The clinical question the article answers."
    )
    summary = limited_text(
        SUMMARY_LENGTH, help_text="One plain paragraph that answers the question."
    )
    body = limited_text(
        BODY_LENGTH,
        blank=True,
        help_text=(
            "Markdown. Cite with [@key] or [@key1; @key2]. Phrase a passage for some readers "
            "with a block: a line '::: audience patient caregiver', the text, then a line ':::'."
        ),
    )
    evidence_note = limited_text(
        EVIDENCE_NOTE_LENGTH,
        blank=True,
        help_text="Markdown: how strong the evidence behind the article is.",
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="articles")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="articles_created"
    )
    # Publication settings: like the text, they reach readers only with an approved round.
    allow_pending_publication = models.BooleanField(
        default=False,
        help_text=(
            "Once a round with this setting is approved, newer submissions are shown to "
            "readers, with a pending-review caution, before the board approves them."
        ),
    )
    review_interval_months = models.PositiveSmallIntegerField(
        default=12,
        help_text=(
            "How long after an approval the next review falls due (takes effect with the "
            "next approved round)."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking: the change form carries the number it was loaded at, and a save that
    # does not match the saved number is refused, so one editor never overwrites another unseen.
    edit_version = models.PositiveIntegerField(
        default=1, help_text="Goes up by one with every save in the admin."
    )

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["title"], name="article_title")]  # the admin list's order
        constraints = [
            models.CheckConstraint(
                condition=Q(review_interval_months__gte=1) & Q(review_interval_months__lte=60),
                name="article_review_interval_range",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="article_title_present"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # One kind of line end however the text arrived (a browser sends CRLF, files from some
        # tools hold CRLF or CR): drafts, rounds and their comparisons then match line for line.
        for name in ("summary", "body", "evidence_note"):
            setattr(self, name, normalise_line_ends(getattr(self, name)))
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})


class DisclaimerQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def for_audience(self, audience, *, pending=False):
        """Active disclaimers that apply to `audience`, an Audience or its slug (those naming
        no audience apply to all), on a page whose round is approved, or still under review
        when `pending` (only such pages show the "pending" ones)."""
        slug = getattr(audience, "slug", audience)
        shown = self.active().filter(Q(audiences__slug=slug) | Q(audiences__isnull=True))
        if not pending:
            shown = shown.filter(visibility=Disclaimer.Visibility.ALWAYS)
        return shown.distinct().order_by("order", "pk")


class Disclaimer(models.Model):
    class Placement(models.TextChoices):
        TOP = "top", "Above the article"
        BOTTOM = "bottom", "Below the article"

    class Visibility(models.TextChoices):
        ALWAYS = "always", "Always"
        PENDING = "pending", "Only while the shown version is pending review"

    name = models.CharField(max_length=200, help_text="For editors; readers do not see it.")
    audiences = models.ManyToManyField(
        Audience, blank=True, help_text="Leave empty to show it to every audience."
    )
    placement = models.CharField(max_length=10, choices=Placement.choices, default=Placement.BOTTOM)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.ALWAYS
    )
    body = limited_text(5000, help_text="Markdown.")
    active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = DisclaimerQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name


class SitePage(models.Model):
    """A site page editable in the admin, such as the editorial policy."""

    # The address the public site serves at /editorial-policy/ and links to from every page.
    EDITORIAL_POLICY = "editorial-policy"

    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text=(
            f"The site shows the page with the address “{EDITORIAL_POLICY}” as its editorial "
            "policy, linked from every page; a page with any other address is not shown to "
            "readers."
        ),
    )
    title = models.CharField(max_length=200)
    body = limited_text(100_000, help_text="Markdown.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = "site page"

    def __str__(self):
        return self.title


class Question(models.Model):
    """A reader's follow-up question about an article, for the editors' inbox."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        ANSWERED = "answered", "Answered"
        DISMISSED = "dismissed", "Dismissed"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="questions")
    audience_slug = models.SlugField(max_length=50, blank=True)
    text = models.TextField(max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.text[:60]


reversion.register(Article, follow=["topics"])
reversion.register(Topic)
reversion.register(Disclaimer)
reversion.register(SitePage)
