"""What the review app's admin pages share."""

from django.contrib import admin
from django.urls import path


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shows records and never adds, changes or deletes them: the workflow writes them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def object_urls(model_admin, *routes):
    """Admin URLs for views of one object: (route, view, suffix) triples become
    `<object_id>/<route>` named `<app>_<model>_<suffix>`, behind the admin's login check."""
    opts = model_admin.opts
    return [
        path(
            f"<int:object_id>/{route}",
            model_admin.admin_site.admin_view(view),
            name=f"{opts.app_label}_{opts.model_name}_{suffix}",
        )
        for route, view, suffix in routes
    ]
