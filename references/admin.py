from django.contrib import admin
from reversion.admin import VersionAdmin

from references.models import Reference


@admin.register(Reference)
class ReferenceAdmin(VersionAdmin):
    list_display = ["key", "kind", "title", "container", "year", "doi", "pmid"]
    list_filter = ["kind", "year"]
    search_fields = ["key", "title", "authors", "container", "doi", "pmid"]
    fieldsets = [
        (None, {"fields": ["key", "kind", "title", "authors"]}),
        ("Source", {"fields": ["container", "year", "volume", "issue", "pages"]}),
        ("Identifiers", {"fields": ["doi", "pmid", "url"]}),
    ]
