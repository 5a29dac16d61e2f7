"""Keeping what readers see in step with the article's own page fields."""

from reviews import workflow


def article_saved(sender, instance, created, raw, **kwargs):
    """Re-decide the published round after a save that changed what readers' pages show."""
    if raw:
        return
    if created:  # no round yet: nothing is published
        instance.remember_page_fields()
        return
    if not instance.page_fields_changed():
        return
    saved = instance.saved_page_fields() or {}
    workflow.publish(instance, previous_slug=saved.get("slug"))
    instance.remember_page_fields()
