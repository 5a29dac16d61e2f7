from django.contrib import admin
from reversion.admin import VersionAdmin

from articles.models import Audience, Disclaimer, Page, Question, Topic


@admin.register(Audience)
class AudienceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order", "is_default"]
    list_editable = ["order"]
    prepopulated_fields = {"slug": ["name"]}


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
