"""The reference library: every source an article may cite, keyed for `[@key]` citations."""

import re

import reversion
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from references.identifiers import normalise_doi, normalise_pmid

# \A and \Z (not ^ and $) so that a trailing newline fails on SQLite as it does on PostgreSQL.
KEY_PATTERN = r"\A[A-Za-z0-9][A-Za-z0-9_:.\-]*\Z"


class Reference(models.Model):
    class Kind(models.TextChoices):
        GUIDELINE = "guideline", "Guideline"
        SYSTEMATIC_REVIEW = "systematic_review", "Systematic review"
        META_ANALYSIS = "meta_analysis", "Meta-analysis"
        RANDOMISED_TRIAL = "randomised_trial", "Randomised trial"
        COHORT_STUDY = "cohort_study", "Cohort study"
        REVIEW = "review", "Review"
        RESEARCH = "research", "Research"
        TEXTBOOK = "textbook", "Textbook"
        WEBSITE = "website", "Website"

    key = models.CharField(
        max_length=100,
        unique=True,
        help_text="Cite it in an article as [@key]. Letters, digits and _ - : . only.",
    )
    alias = models.CharField(
        "original key",
        max_length=255,
        blank=True,
        help_text="The key an imported file gave that cannot be cited as written (such as "
        "DBLP:ms/Hoffmann2008); importing that file again finds this reference by it.",
    )
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.RESEARCH)
    title = models.CharField(max_length=1000)
    authors = models.TextField(
        blank=True,
        max_length=20_000,
        help_text="One author a line, as 'Family GN' (e.g. 'Smith JA').",
    )
    et_al = models.BooleanField(
        "et al.",
        default=False,
        help_text="The source names only the first authors (BibTeX 'and others'): the "
        "reference list ends them with 'et al.'",
    )
    container = models.CharField(
        "journal or publisher", max_length=500, blank=True, help_text="Journal, book or publisher."
    )
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    volume = models.CharField(max_length=50, blank=True)
    issue = models.CharField(max_length=50, blank=True)
    pages = models.CharField(max_length=50, blank=True)
    doi = models.CharField(
        "DOI", max_length=255, blank=True, help_text="Stored lower-case, e.g. 10.1000/xyz."
    )
    pmid = models.CharField("PubMed ID", max_length=20, blank=True)
    url = models.URLField("URL", max_length=1000, blank=True)
    retracted = models.BooleanField(
        default=False, help_text="Retracted, as a retraction notice says (import_retractions)."
    )
    retraction_doi = models.CharField(
        "retraction notice DOI", max_length=255, blank=True, help_text="Stored lower-case."
    )
    retraction_date = models.DateField("retracted on", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(
                fields=["doi"], condition=~Q(doi=""), name="reference_unique_doi"
            ),
            models.UniqueConstraint(
                fields=["pmid"], condition=~Q(pmid=""), name="reference_unique_pmid"
            ),
            models.UniqueConstraint(
                fields=["alias"], condition=~Q(alias=""), name="reference_unique_alias"
            ),
            models.CheckConstraint(
                condition=Q(doi="") | (Q(doi__startswith="10.") & Q(doi=Lower("doi"))),
                name="reference_doi_normalised",
            ),
            models.CheckConstraint(
                condition=Q(pmid="") | (Q(pmid__regex=r"\A[1-9][0-9]*\Z")),
                name="reference_pmid_digits",
            ),
            models.CheckConstraint(
                condition=Q(key__regex=KEY_PATTERN), name="reference_key_format"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="reference_title_present"),
            # A notice's DOI or date describes a retraction: without one there is none.
            models.CheckConstraint(
                condition=Q(retracted=True)
                | (Q(retraction_doi="") & Q(retraction_date__isnull=True)),
                name="reference_retraction_needs_retracted",
            ),
        ]

    def __str__(self):
        return f"[@{self.key}] {self.title}"

    def clean(self):
        """Normalise the DOI and PMID, and name the field and the clashing reference for a problem
        the constraints would otherwise report only as "Constraint … is violated"."""
        errors = {}
        # fullmatch, not the constraint's search: "$" would also match before a final newline.
        if not re.fullmatch(KEY_PATTERN, self.key or ""):
            errors["key"] = (
                f"{self.key!r} cannot be cited: use letters, digits and _ - : . only, "
                "starting with a letter or digit."
            )
        for field, normalise in (("doi", normalise_doi), ("pmid", normalise_pmid)):
            try:
                setattr(self, field, normalise(getattr(self, field)))
            except ValueError as error:
                errors[field] = str(error)
                continue
            value = getattr(self, field)
            clash = (
                Reference.objects.filter(**{field: value}).exclude(pk=self.pk).first()
                if value
                else None
            )
            if clash is not None:
                label = self._meta.get_field(field).verbose_name
                errors[field] = f"[@{clash.key}] already has this {label}."
        if errors:
            raise ValidationError(errors)

    @property
    def author_list(self):
        return [line.strip() for line in self.authors.splitlines() if line.strip()]

    def as_data(self):
        """The plain dict that rendering uses and that review snapshots freeze."""
        return {
            "key": self.key,
            "kind": self.kind,
            "kind_label": self.get_kind_display(),
            "title": self.title,
            "authors": self.author_list,
            "et_al": self.et_al,
            "container": self.container,
            "year": self.year,
            "volume": self.volume,
            "issue": self.issue,
            "pages": self.pages,
            "doi": self.doi,
            "pmid": self.pmid,
            "url": self.url,
            "retracted": self.retracted,
            "retraction_doi": self.retraction_doi,
            "retraction_date": self.retraction_date.isoformat() if self.retraction_date else "",
        }


reversion.register(Reference)
