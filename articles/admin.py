import re

import reversion
from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import Truncator, slugify
from reversion.admin import VersionAdmin

from articles.models import Article, Audience, Disclaimer, Page, Question, Topic


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


SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
TITLE_LENGTH = Article._meta.get_field("title").max_length
SLUG_LENGTH = Article._meta.get_field("slug").max_length


def question_title(text):
    """A draft title from a reader's text: its first sentence that asks something (else its
    first sentence), ending in a question mark and short enough for the title column."""
    sentences = [s for s in SENTENCE_END.split(" ".join(text.split())) if s] or ["Reader question"]
    title = next((s for s in sentences if s.endswith("?")), sentences[0])
    title = title.rstrip(".!,;: ")
    if len(title) >= TITLE_LENGTH:
        title = Truncator(title).chars(TITLE_LENGTH - 1, truncate="…")
    return title if title.endswith("?") else f"{title}?"


def unique_article_slug(title):
    """A slug for `title` that no article has yet: the slugified title, then -2, -3, …"""
    base = slugify(title)[: SLUG_LENGTH - 10].strip("-") or "reader-question"
    taken = set(
        Article.objects.filter(slug__startswith=base).values_list("slug", flat=True).iterator()
    )
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def question_to_draft(question, *, by):
    """Create a new draft article from a reader question, saved as a revision by `by`, mark
    the question answered and return the draft.

    The draft carries the source article's topics and, in its placeholder summary, the full
    question, so nothing the reader wrote is lost when the title is trimmed.
    """
    source = question.article
    audience = f"a {question.audience_slug} reader" if question.audience_slug else "a reader"
    title = question_title(question.text)
    with transaction.atomic(), reversion.create_revision():
        reversion.set_user(by)
        reversion.set_comment(f"Drafted from reader question #{question.pk} on “{source.title}”.")
        draft = Article.objects.create(
            slug=unique_article_slug(title),
            title=title,
            summary=(
                "Placeholder: replace with one plain paragraph that answers the question. "
                f"{audience.capitalize()} asked on “{source.title}”: “{question.text.strip()}”"
            ),
            created_by=by,
        )
        draft.topics.set(source.topics.all())
        Question.objects.filter(pk=question.pk).update(status=Question.Status.ANSWERED)
    return draft


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    """The follow-up inbox: readers' questions, newest first, triaged by editors."""

    list_display = ["question", "article", "audience_slug", "status", "created_at"]
    list_filter = ["status", "created_at"]
    list_select_related = ["article"]
    search_fields = ["text", "article__title"]
    ordering = ["-created_at", "-pk"]
    date_hierarchy = "created_at"
    readonly_fields = ["article", "audience_slug", "text", "created_at"]
    actions = ["mark_answered", "dismiss", "turn_into_draft"]

    @admin.display(description="Question", ordering="text")
    def question(self, question):
        return Truncator(question.text).chars(100)

    def has_add_permission(self, request):
        # Questions come from readers through the public form only.
        return False

    def has_draft_permission(self, request):
        # The admin grants an action when any one of its permissions holds, so this one
        # checks both: triaging the question and adding the article.
        return self.has_change_permission(request) and request.user.has_perm("articles.add_article")

    @admin.action(description="Mark answered", permissions=["change"])
    def mark_answered(self, request, queryset):
        self.set_status(request, queryset, Question.Status.ANSWERED)

    @admin.action(description="Dismiss", permissions=["change"])
    def dismiss(self, request, queryset):
        self.set_status(request, queryset, Question.Status.DISMISSED)

    def set_status(self, request, queryset, status):
        count = queryset.update(status=status)
        label = Question.Status(status).label.lower()
        self.message_user(
            request,
            f"{count} question{'' if count == 1 else 's'} marked {label}.",
            messages.SUCCESS,
        )

    @admin.action(description="Turn into a draft article", permissions=["draft"])
    def turn_into_draft(self, request, queryset):
        questions = list(queryset.select_related("article")[:2])
        if len(questions) != 1:
            self.message_user(
                request, "Choose exactly one question to turn into a draft.", messages.ERROR
            )
            return None
        draft = question_to_draft(questions[0], by=request.user)
        self.message_user(
            request,
            f"Draft “{draft.title}” created; the question is marked answered.",
            messages.SUCCESS,
        )
        return redirect(reverse("admin:articles_article_change", args=[draft.pk]))
