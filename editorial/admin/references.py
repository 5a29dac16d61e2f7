from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse

from editorial.admin.base import HistoryAdmin
from references import lookup
from references.importers.importing import import_references
from references.models import Reference
from reviews.retractions import retraction_changed

# A PubMed XML export of a thousand articles with abstracts is about 10 MB.
MAX_IMPORT_FILE_BYTES = 20 * 1024 * 1024


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that accepts several files at once (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        accept = ".ris,.bib,.json,.xml,.nbib,.txt"  # .txt: PubMed's "Save → PubMed format"
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple) and data:
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        # No file at all arrives as an empty list, which must still fail "required".
        return [super().clean(data or None, initial)]


class ReferenceImportForm(forms.Form):
    files = MultipleFileField(
        help_text=(
            "RIS (.ris), BibTeX (.bib), CSL-JSON (.json), PubMed XML (.xml) or PubMed text "
            "(.nbib, or PubMed's .txt), UTF-8; "
            "several at once if you like. Each file imports completely or not at all, "
            "unless you choose to skip invalid records."
        )
    )
    skip_invalid = forms.BooleanField(
        required=False,
        label="Import the valid records of a file and skip the invalid ones (each is reported)",
    )
    dry_run = forms.BooleanField(
        required=False, label="Only check the files and show the report; save nothing"
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        for upload in files:
            if upload.size > MAX_IMPORT_FILE_BYTES:
                raise forms.ValidationError(
                    f"{upload.name} is {filesizeformat(upload.size)}; a file may be at most "
                    f"{filesizeformat(MAX_IMPORT_FILE_BYTES)}. Split it and import the parts."
                )
        return files


class ReferenceLookupForm(forms.Form):
    identifier = forms.CharField(
        label="DOI or PubMed ID",
        max_length=300,
        help_text="A DOI (10.1000/xyz, doi:…, or a doi.org link) or a PubMed ID (digits).",
    )


# The Reference fields a lookup fills, as the add form's initial data.
LOOKUP_FIELDS = ("key", "kind", "title", "container", "year", "volume", "issue", "pages", "doi")


@admin.register(Reference)
class ReferenceAdmin(HistoryAdmin):
    list_display = ["key", "kind", "title", "container", "year", "doi", "pmid"]
    list_filter = ["kind", "retracted", "year"]
    search_fields = ["key", "alias", "title", "authors", "container", "doi", "pmid"]
    fieldsets = [
        (None, {"fields": ["key", "kind", "title", "authors", "et_al"]}),
        ("Source", {"fields": ["container", "year", "volume", "issue", "pages"]}),
        ("Identifiers", {"fields": ["doi", "pmid", "url", "alias"]}),
        (
            "Retraction",
            {
                "fields": ["retracted", "retraction_doi", "retraction_date"],
                "description": "Set by manage.py import_retractions. Readers see “Retracted” "
                "beside the reference in every published article that cites it; clear it "
                "only if the notice named the wrong paper.",
            },
        ),
    ]
    # A URL typed without a scheme means https (Django 6's default; 5.2 warns and assumes http).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # Adds "Import references" to reversion's change list (which adds "Recover deleted").
    change_list_template = "admin/references/reference/change_list.html"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"retracted", "retraction_doi"} & set(form.changed_data):
            retraction_changed(obj)

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="references_reference_import",
            ),
            path(
                "lookup/",
                self.admin_site.admin_view(self.lookup_view),
                name="references_reference_lookup",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload reference files and show the import report on the same page."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        report = None
        if request.method == "POST":
            form = ReferenceImportForm(request.POST, request.FILES)
            if form.is_valid():
                files = [(upload.name, upload.read()) for upload in form.cleaned_data["files"]]
                report = import_references(
                    files,
                    user=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                    skip_invalid=form.cleaned_data["skip_invalid"],
                )
                form = ReferenceImportForm()
        else:
            form = ReferenceImportForm()
        context = {
            **self.admin_site.each_context(request),
            "title": "Import references",
            "opts": self.model._meta,
            "form": form,
            "report": report,
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, "admin/references/reference/import.html", context)

    def lookup_view(self, request):
        """Ask Crossref (a DOI) or PubMed (a PMID) for a reference, then open the add form
        filled with what they hold, for the editor to check and save. Nothing is saved here."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ReferenceLookupForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            identifier = form.cleaned_data["identifier"].strip()
            digits = identifier.upper().removeprefix("PMID").strip(" :")
            try:
                record = (
                    lookup.lookup_pmid(digits)
                    if digits.isdigit()
                    else lookup.lookup_doi(identifier)
                )
            except lookup.ReferenceLookupError as error:
                form.add_error("identifier", str(error))
            else:
                match = Q(pk__in=[])
                if record.doi:
                    match |= Q(doi=record.doi)
                if record.pmid:
                    match |= Q(pmid=record.pmid)
                found = Reference.objects.filter(match).first()
                if found is not None:
                    form.add_error(
                        "identifier",
                        f"The library already holds this reference as [@{found.key}].",
                    )
                else:
                    initial = {name: getattr(record, name) or "" for name in LOOKUP_FIELDS}
                    initial["pmid"] = record.pmid
                    initial["authors"] = "\n".join(record.authors)
                    initial["url"] = record.url
                    query = urlencode({k: v for k, v in initial.items() if v not in ("", None)})
                    self.message_user(
                        request,
                        "Filled from the record found; check the fields and save.",
                        messages.SUCCESS,
                    )
                    return redirect(f"{reverse('admin:references_reference_add')}?{query}")
        context = {
            **self.admin_site.each_context(request),
            "title": "Add a reference from a DOI or PubMed ID",
            "opts": self.model._meta,
            "form": form,
            "lookup_enabled": settings.REFERENCE_LOOKUP,
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, "admin/references/reference/lookup.html", context)
