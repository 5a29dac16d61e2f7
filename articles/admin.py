from django import forms
from django.contrib import admin
from django.db import transaction
from reversion.admin import VersionAdmin

from articles.models import Audience, Disclaimer, Page, Question, Topic


class AudienceForm(forms.ModelForm):
    class Meta:
        model = Audience
        fields = ["name", "slug", "description", "order", "is_default"]

    def clean_is_default(self):
        is_default = self.cleaned_data["is_default"]
        if self.instance.is_default and not is_default:
            raise forms.ValidationError(
                "Readers need a default audience: make another audience the default instead."
            )
        return is_default

    def _get_validation_exclusions(self):
        # Checking a second audience as default is not an error: AudienceAdmin.save_model moves
        # the default to it, so the one-default constraint holds once the save commits.
        return super()._get_validation_exclusions() | {"is_default"}


@admin.register(Audience)
class AudienceAdmin(admin.ModelAdmin):
    form = AudienceForm
    list_display = ["name", "slug", "order", "is_default"]
    list_editable = ["order"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        """Save the audience; one saved as the default takes over from the previous default."""
        with transaction.atomic():
            if obj.is_default:
                # Lock every audience first so two editors moving the default at once take turns.
                list(Audience.objects.select_for_update().order_by("pk").values_list("pk"))
                Audience.objects.filter(is_default=True).exclude(pk=obj.pk).update(is_default=False)
            super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        # The default audience stays: readers who have not chosen one are shown it.
        if obj is not None and obj.is_default:
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for audience in objs:
            if audience.is_default:
                perms_needed.add(f"{audience} (the default audience; make another the default)")
        return deleted, counts, perms_needed, protected


@admin.register(Topic)
class TopicAdmin(VersionAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Disclaimer)
class DisclaimerAdmin(VersionAdmin):
    list_display = ["name", "placement", "visibility", "active", "order"]
    list_filter = ["placement", "visibility", "active", "audiences"]
    filter_horizontal = ["audiences"]


@admin.register(Page)
class PageAdmin(VersionAdmin):
    list_display = ["title", "slug", "updated_at"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "article", "audience_slug", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["article"]
    readonly_fields = ["article", "audience_slug", "text", "created_at"]
