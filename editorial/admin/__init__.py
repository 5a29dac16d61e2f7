"""The staff desk: every model's admin, registered when the admin discovers this package."""

from django.contrib import admin

from editorial.admin import articles, references, review_dates, reviews

# The desk is Vetted's own: its name on every admin page and in every title.
admin.site.site_header = "Vetted"
admin.site.site_title = "Vetted"
admin.site.index_title = "The editor's desk"

__all__ = ["articles", "references", "review_dates", "reviews"]
