"""The desk's article admin with its review panel, previews, history and comparison, and the
admins of what articles are made of: audiences, topics, disclaimers, site pages, questions.

Views here parse input and call reviews.workflow; the rules live there.
"""

import json

import reversion
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.timezone import localtime
from reversion.models import Version

from articles.models import Article, Audience, Disclaimer, Question, SitePage, Topic
from articles.questions import question_to_draft
from articles.rendering import normalise_line_ends
from editorial.admin.base import HistoryAdmin, object_urls, shown_by_name
from editorial.checks import writing_checks
from editorial.forms import ArticleForm
from editorial.review import (
    BUTTON_LABELS,
    WORKFLOW_FUNCTIONS,
    Action,
    asks_to_confirm,
    confirm_approval,
    draft_preview_context,
    preview_context,
    reader_status_badge,
    state_badge,
    state_changed_message,
    unlisted_approver_note,
)
from references.citations import cited_keys
from reviews import comments, diffs, workflow
from reviews.models import OPEN_STATES, ReviewRound, State
from reviews.status import ReaderStatus, reader_status, status_of, with_reader_status

# Markdown source fields, kept exactly as typed.
MARKDOWN_FIELDS = {"body", "evidence_note"}

# The desk's compact column: every field but the body, which has a column of its own.
DESK_FIELDSETS = [
    (None, {"fields": ["title", "slug", "summary", "edit_version"]}),
    ("Evidence and topics", {"fields": ["evidence_note", "topics"]}),
    (
        "Publication",
        {
            "classes": ["collapse"],
            "fields": ["allow_pending_publication", "review_interval_months"],
        },
    ),
    (
        "Record",
        {"classes": ["collapse"], "fields": ["created_by_name", "created_at", "updated_at"]},
    ),
]

# The change form's button that saves the form and submits what it saved, in one transaction.
SAVE_AND_SUBMIT = "_saveandsubmit"


class ReaderStatusFilter(admin.SimpleListFilter):
    """The changelist filter by what readers see (reviews.status)."""

    title = "what readers see"
    parameter_name = "reader_status"

    def lookups(self, request, model_admin):
        return ReaderStatus.choices

    def queryset(self, request, queryset):
        if self.value() in ReaderStatus.values:
            return queryset.filter(reader_status=self.value())
        return queryset


@admin.register(Article)
class ArticleAdmin(HistoryAdmin):
    form = ArticleForm
    list_display = ["title", "slug", "status", "review_state", "updated_at"]
    # Counting every article costs more than the rest of the page at scale.
    show_full_result_count = False
    list_filter = [ReaderStatusFilter, "topics", "allow_pending_publication"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    # Checkboxes fit the desk's compact column, and need no script to be accessible.
    formfield_overrides = {
        models.ManyToManyField: {
            "widget": forms.CheckboxSelectMultiple(attrs={"class": "desk-topics"})
        }
    }
    readonly_fields = ["created_by_name", "created_at", "updated_at"]
    created_by_name = shown_by_name("created_by", "created by")
    change_form_template = "admin/articles/article/change_form.html"
    object_history_template = "admin/articles/article/object_history.html"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "summary",
                    "body",
                    "evidence_note",
                    "topics",
                    "edit_version",
                ]
            },
        ),
        (
            "Publication",
            {"fields": ["allow_pending_publication", "review_interval_months"]},
        ),
        ("Record", {"fields": ["created_by_name", "created_at", "updated_at"]}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in MARKDOWN_FIELDS:
            # Markdown source is kept exactly as written (a form strips leading indentation
            # and line ends by default), so a save or a revert stores the text it was given.
            formfield.strip = False
        return formfield

    def get_queryset(self, request):
        newest_round = ReviewRound.objects.filter(article=OuterRef("pk")).order_by("-number")
        return with_reader_status(
            super()
            .get_queryset(request)
            .annotate(latest_state=Subquery(newest_round.values("state")[:1]))
        )

    def view_on_site(self, article):
        """The page readers see for the article, or None (no link) while there is none.

        A draft never approved has no public page, and a changed address takes effect only
        with the next approved round, so the link follows the round readers are shown, not
        the draft's own address.
        """
        live_slug = (
            ReviewRound.objects.published()
            .filter(article=article)
            .values_list("slug", flat=True)
            .first()
        )
        return reverse("articles:detail", args=[live_slug]) if live_slug else None

    @admin.display(description="Newest round", ordering="latest_state")
    def review_state(self, article):
        return state_badge(article.latest_state)

    @admin.display(description="What readers see", ordering="reader_status")
    def status(self, article):
        return reader_status_badge(status_of(article))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        elif getattr(request, "_desk_edit", False) and not draft_changed(obj, form):
            # Saved as it was: nothing new to keep, so no version and no "saved since it
            # was submitted" on the desk and in the article list (reviews.status). A revert
            # restores the row before its form is saved, so it always saves (its own record).
            return
        else:
            # The form checked its number against the row it locked: the next one is free.
            obj.edit_version = form.cleaned_data["edit_version"] + 1
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self.with_conflict_shown(
            request, super().changeform_view(request, object_id, form_url, extra_context)
        )

    def with_conflict_shown(self, request, response):
        form = getattr(response, "context_data", {}).get("adminform")
        conflict = form and form.form.edit_conflict
        if conflict:
            context = edit_conflict_context(form.form.instance.pk, loaded_version=conflict[0])
            messages.error(request, context["edit_conflict_message"])
            response.context_data.update(context)
        return response

    def save_and_submit(self, request, object_id, form_url, extra_context):
        """Save the change form and submit what it saved, in one transaction.

        When the save is refused (a form error, an edit conflict) nothing is submitted; when
        the submission is refused (content problems, a taken address, a bad note) the save is
        rolled back too. Either way the form is shown again with everything typed, the note
        for the board and the "what changed" line included, and the reason.
        """
        request._desk_quiet = True  # the save's own "changed successfully" is not the news
        try:
            with transaction.atomic():
                # The save's revision is complete when this returns (VersionAdmin.change_view),
                # so the round's own revision comes after it.
                response = self.desk_change_view(request, object_id, form_url, extra_context)
                if response.status_code != 302:
                    request._desk_quiet = False
                    messages.error(request, "Not saved and not submitted: see the form below.")
                    return response
                form = request._desk_saved_form
                review_round = workflow.submit(
                    Article.objects.get(pk=form.instance.pk),
                    by=request.user,
                    note=form.cleaned_data.get("submit_note", ""),
                    what_changed=form.cleaned_data.get("what_changed", ""),
                )
        except (workflow.ReviewError, PermissionDenied) as error:
            # Rolled back: show the form again, as typed, refused for this reason.
            request._desk_quiet = False
            request._submit_refusal = error
            messages.error(request, f"Not saved and not submitted: {error}")
            return self.desk_change_view(request, object_id, form_url, extra_context)
        finally:
            request._desk_quiet = False
        messages.success(
            request,
            f"Saved and submitted for review as round {review_round.number}. "
            "The board reviews exactly the text you saved.",
        )
        return redirect(reverse("admin:articles_article_change", args=[review_round.article_id]))

    def save_form(self, request, form, change):
        request._desk_saved_form = form
        return super().save_form(request, form, change)

    def message_user(self, request, *args, **kwargs):
        if not getattr(request, "_desk_quiet", False):
            super().message_user(request, *args, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        fields = kwargs.get("fields")
        if obj is not None and fields is not None and "body" not in fields:
            kwargs["fields"] = [*fields, "body"]
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_submit_refusal", None)
        if refusal is not None:
            form = type(form.__name__, (form,), {"submit_refusal": refusal})
        return form

    def get_urls(self):
        return [
            *object_urls(
                self,
                ("workflow/<str:action>/", self.workflow_view, "workflow"),
                ("preview/", self.preview_view, "preview"),
                ("compare/", self.compare_view, "compare"),
                ("checks/", self.checks_view, "checks"),
                ("compare-live/", self.compare_live_view, "compare_live"),
                ("live-preview/", self.live_preview_view, "live_preview"),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        request._desk_edit = True  # the desk's own form, not a revert's (see save_model)
        # Not inside a revert (HistoryAdmin), whose revision is still open: a round must
        # point at a revision already saved.
        if (
            request.method == "POST"
            and SAVE_AND_SUBMIT in request.POST
            and not reversion.is_active()
        ):
            return self.save_and_submit(request, object_id, form_url, extra_context)
        return self.desk_change_view(request, object_id, form_url, extra_context)

    def desk_change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, object_id)
        # Without view permission the admin answers 403: build nothing for it first.
        if article is not None and self.has_view_or_change_permission(request, article):
            # A form shown again after a refused save is checked as typed; the review panel
            # always speaks of the saved draft, which is what a submission freezes.
            body = request.POST.get("body", article.body)
            checks = writing_checks(article, body)
            saved = checks if body == article.body else writing_checks(article, article.body)
            open_comments = (
                comments.open_by_line(article, body=body)
                if request.user.has_perm("reviews.view_reviewcomment")
                else {}
            )
            extra_context = {
                **(extra_context or {}),
                **self.review_panel(
                    request,
                    article,
                    problems=[p for p in saved["problems"] if p["kind"] == "error"],
                ),
                "writing_checks": checks,
                "desk_annotations_json": json.dumps(
                    checks["problems"] + comment_annotations(open_comments)
                ),
                # The summary above the desk reads the same comments (no second query).
                "desk_open_comments": open_comments,
                # The preview of what is in the form: as typed after a refused save.
                "desk_preview": desk_preview(article, request),
                # The desk needs the page's width: the navigation is one click away anyway.
                "is_nav_sidebar_enabled": False,
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.fieldsets
        # On the desk the body has its own column (templates/admin/articles/article/
        # change_form.html); the other fields make the compact column.
        return DESK_FIELDSETS

    def checks_view(self, request, object_id):
        """The writing checks of a body as typed (POST `body`), as JSON for the live panel."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = get_object_or_404(Article, pk=object_id)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        checks = writing_checks(article, request.POST.get("body", article.body))
        checks.pop("library")  # the picker does not change while typing
        return JsonResponse(checks)

    def review_panel(self, request, article, *, problems):
        """The review panel's context; `problems` are the saved draft's writing problems."""
        status = reader_status(article)
        rounds = list(
            article.review_rounds.select_related("submitted_by", "decided_by", "reviewer")
            .prefetch_related("events__actor")
            .order_by("-number")
        )
        open_round = next((r for r in rounds if r.state in OPEN_STATES), None)
        # Submitting is the change form's "Save and submit for review" button.
        actions = []
        if open_round:
            actions += sorted(workflow.allowed_actions(open_round, request.user))
        return {
            "review_rounds": rounds,
            "open_round": open_round,
            "last_approved_round": next((r for r in rounds if r.state == State.APPROVED), None),
            "latest_state_badge": state_badge(rounds[0].state if rounds else None),
            "reader_status": status,
            "reader_status_badge": reader_status_badge(status),
            "live_round": next((r for r in rounds if r.is_published), None),
            "may_submit": request.user.has_perm(workflow.SUBMIT_PERMISSION),
            "workflow_buttons": [(action, BUTTON_LABELS[action]) for action in actions],
            "unlisted_approver": unlisted_approver_note(request.user, actions),
            "draft_problems": problems,
        }

    def workflow_view(self, request, object_id, action):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = get_object_or_404(Article, pk=object_id)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        note = request.POST.get("note", "")
        change_url = reverse("admin:articles_article_change", args=[article.pk])
        try:
            if action == Action.SUBMIT:
                review_round = workflow.submit(
                    article,
                    by=request.user,
                    note=note,
                    what_changed=request.POST.get("what_changed", ""),
                )
            elif action in WORKFLOW_FUNCTIONS:
                open_round = article.review_rounds.open().first()
                if open_round is None:
                    raise workflow.InvalidTransition("The article has no round awaiting review.")
                if asks_to_confirm(request, action, open_round):
                    return confirm_approval(request, self, open_round)
                review_round = WORKFLOW_FUNCTIONS[action](open_round, request.user, note)
            else:
                raise Http404("Unknown workflow action.")
        except (workflow.ReviewError, PermissionDenied) as error:
            messages.error(request, str(error))
            return redirect(change_url)
        messages.success(
            request,
            state_changed_message(review_round),
        )
        return redirect(change_url)

    def preview_view(self, request, object_id):
        article = get_object_or_404(Article, pk=object_id)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        try:
            frozen = workflow.freeze(article)
        except workflow.ReviewError as error:
            messages.error(request, str(error))
            return redirect(reverse("admin:articles_article_change", args=[article.pk]))
        context = {
            **self.admin_site.each_context(request),
            **preview_context(frozen.snapshot, frozen.rendered, request.GET.get("audience")),
            "title": f"Preview of the draft: {article.title}",
            "preview_of": "the saved draft",
            "problems": frozen.problems,
            "opts": self.model._meta,
            "original": article,
        }
        return TemplateResponse(request, "admin/reviews/preview.html", context)

    def live_preview_view(self, request, object_id):
        """The draft as typed (POST title, summary, body, evidence_note), rendered for one
        audience (POST audience) by the pipeline every round goes through. Stores nothing."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = get_object_or_404(Article, pk=object_id)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        try:
            context = draft_preview_context(article, request.POST)
        except workflow.ReviewError as error:
            return JsonResponse({"error": str(error)}, status=400)
        return TemplateResponse(
            request, "admin/articles/article/_live_preview.html", {"preview": context}
        )

    def compare_live_view(self, request, object_id):
        """The saved draft against exactly what readers see now (the published round)."""
        article = get_object_or_404(Article, pk=object_id)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        live = ReviewRound.objects.published().filter(article=article).first()
        try:
            draft = workflow.freeze(article)
        except workflow.ReviewError as error:
            messages.error(request, str(error))
            return redirect(reverse("admin:articles_article_change", args=[article.pk]))
        if live is None:
            messages.info(request, "Readers see nothing of this article yet: all of it is new.")
            old_texts, old_label = {}, "nothing (never published)"
        else:
            old_texts = diffs.snapshot_texts(live.snapshot)
            old_label = f"what readers see now (round {live.number}, {live.get_state_display()})"
        context = {
            **self.admin_site.each_context(request),
            "title": f"The saved draft against what readers see: {article.title}",
            "opts": self.model._meta,
            "original": article,
            "old_label": old_label,
            "new_label": "the saved draft",
            "field_diffs": diffs.compare_texts(old_texts, diffs.snapshot_texts(draft.snapshot)),
        }
        return TemplateResponse(request, "admin/reviews/compare.html", context)

    def history_view(self, request, object_id, extra_context=None):
        # One page of versions, without their stored text. Reversion's own history view is
        # skipped: it loads every version whole and reverses a URL for each.
        versions = (
            Version.objects.get_for_object_reference(Article, object_id)
            .select_related("revision__user")
            .only(
                "object_id",
                "revision__date_created",
                "revision__comment",
                "revision__user__username",
            )
            .order_by("-revision__date_created", "-pk")
        )
        page = Paginator(versions, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
        extra_context = {
            **(extra_context or {}),
            "versions": page.object_list,
            "versions_page": page,
            "compare_url": reverse("admin:articles_article_compare", args=[object_id]),
        }
        return admin.ModelAdmin.history_view(self, request, object_id, extra_context)

    def compare_view(self, request, object_id):
        article = get_object_or_404(Article, pk=object_id)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        versions = Version.objects.get_for_object_reference(Article, object_id).select_related(
            "revision__user"
        )
        try:
            old = versions.get(pk=int(request.GET["from"]))
            new = versions.get(pk=int(request.GET["to"]))
        except (KeyError, ValueError, Version.DoesNotExist):
            messages.error(request, "Choose two saved versions of this article to compare.")
            return redirect(reverse("admin:articles_article_history", args=[object_id]))
        if old.revision.date_created > new.revision.date_created:
            old, new = new, old
        context = {
            **self.admin_site.each_context(request),
            "title": f"Compare versions: {article.title}",
            "opts": self.model._meta,
            "original": article,
            "old_label": version_label(old),
            "new_label": version_label(new),
            "field_diffs": diffs.compare_texts(version_texts(old), version_texts(new)),
        }
        return TemplateResponse(request, "admin/reviews/compare.html", context)


def version_label(version):
    """How a saved version is named on the compare page: two saves can share a minute."""
    revision = version.revision
    author = revision.user.get_username() if revision.user else "an unknown user"
    saved = localtime(revision.date_created)
    return f"version {version.pk}, saved {saved:%Y-%m-%d %H:%M} by {author}"


# Versions listed per page of an article's history.
HISTORY_PAGE_SIZE = 50

# How many of an article's newest versions are searched for the one an editor opened.
CONFLICT_HISTORY = 50


def edit_conflict_context(article_id, *, loaded_version):
    """Who saved the article last and when, and what changed since the version an editor
    opened (`loaded_version`, an edit_version), for a refused save."""
    versions = list(
        Version.objects.get_for_object_reference(Article, article_id)
        .select_related("revision__user")
        .order_by("-pk")[:CONFLICT_HISTORY]
    )
    if not versions:
        return {"edit_conflict_message": "Not saved: the article changed after you opened it."}
    newest = versions[0]
    opened = next((v for v in versions if v.field_dict.get("edit_version") == loaded_version), None)
    revision = newest.revision
    author = revision.user.get_username() if revision.user else "an unknown user"
    saved = localtime(revision.date_created)
    return {
        "edit_conflict_message": (
            f"Not saved: {author} saved this article at {saved:%Y-%m-%d %H:%M} after you "
            "opened it. Your text is still in the form; their changes are shown above it."
        ),
        "edit_conflict_author": author,
        "edit_conflict_saved_at": saved,
        "edit_conflict_base_found": opened is not None,
        "edit_conflict_diffs": [
            diff
            for diff in diffs.compare_texts(
                version_texts(opened) if opened else {}, version_texts(newest)
            )
            if diff.changed
        ],
    }


def version_texts(version):
    """The comparable texts of a saved article version (references by their cited keys)."""
    fields = version.field_dict
    body = fields.get("body", "")
    return {
        "title": fields.get("title", ""),
        "summary": fields.get("summary", ""),
        "body": body,
        "evidence_note": fields.get("evidence_note", ""),
        "references": "\n".join(f"[@{key}]" for key in sorted(cited_keys(body))),
    }


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
class TopicAdmin(HistoryAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Disclaimer)
class DisclaimerAdmin(HistoryAdmin):
    list_display = ["name", "placement", "visibility", "active", "order"]
    list_filter = ["placement", "visibility", "active", "audiences"]
    filter_horizontal = ["audiences"]


@admin.register(SitePage)
class SitePageAdmin(HistoryAdmin):
    list_display = ["title", "slug", "updated_at"]
    prepopulated_fields = {"slug": ["title"]}


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


def draft_changed(article, form):
    """Whether saving `form` would change the stored draft `article` (already holding the
    form's values): any field the form edits, topics included, line ends aside."""
    stored_fields = {field.name for field in Article._meta.concrete_fields} - {"edit_version"}
    names = [name for name in form.cleaned_data if name in stored_fields]
    stored = Article.objects.filter(pk=article.pk).values(*names).first()
    if stored is None:
        return True
    for name in names:
        value = getattr(article, name)
        if isinstance(value, str):
            value = normalise_line_ends(value)
        if stored[name] != value:
            return True
    if "topics" in form.cleaned_data:
        wanted = {topic.pk for topic in form.cleaned_data["topics"]}
        return wanted != set(article.topics.values_list("pk", flat=True))
    return False


def desk_preview(article, request):
    """The desk's preview of what is in the form (as typed after a refused save), or None when
    nothing can be rendered yet: a new site with no audience (the writing checks say so)."""
    try:
        return draft_preview_context(article, request.POST if request.method == "POST" else {})
    except workflow.ReviewError:
        return None


def comment_annotations(open_comments):
    """The open review comments as the desk's gutter shows annotations, at the lines where
    their words are in the text on the desk (reviews.comments.open_by_line)."""
    return [
        {
            "line": line,
            "kind": "comment",
            "message": (
                f"{thread.get_kind_display()} from {thread.author.get_username()} on round "
                f"{thread.round.number}: “{thread.quote}” — {thread.text}"
            ),
        }
        for line, threads in sorted(open_comments.items())
        for thread in threads
    ]
