"""Keeping what readers see in step with the article's own page fields."""

from reviews import workflow


def article_saved(sender, instance, created, **kwargs):
    """Re-decide the published round after a save that changed what readers' pages show."""
    # Raw saves count too: reversion restores an old version with one, and a restored
    # pending-publication setting changes what readers see. (publish() only ever writes the
    # state its rule gives, so running it during loaddata is harmless.)
    if created:  # no round yet: nothing is published
        instance.remember_page_fields()
        return
    if not instance.page_fields_changed():
        return
    saved = instance.saved_page_fields() or {}
    workflow.publish(instance, previous_slug=saved.get("slug"))
    instance.remember_page_fields()
