"""The staff desk: every model's admin, registered when the admin discovers this package."""

from editorial.admin import articles, references, review_dates, reviews

__all__ = ["articles", "references", "review_dates", "reviews"]
