"""Signals the review app sends. No business rule listens to them: they tell the layers above
(the public site's page cache) that something readers see has changed."""

from django.dispatch import Signal

# Sent inside the transaction that changed which round of an article readers see, or the
# article's address. `slugs`: every address whose public page may now be stale. Receivers that
# act on it must wait for the commit (transaction.on_commit).
published_changed = Signal()
