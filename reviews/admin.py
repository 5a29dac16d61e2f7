"""Admin for editors and the board: articles with their review panel, the review queue,
previews, version comparison and the read-only audit trail.

Views here parse input and call reviews.workflow; the rules live there.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.timezone import localtime
from reversion.admin import VersionAdmin
from reversion.models import Version

from articles.forms import ArticleForm
from articles.models import Article, Audience
from articles.readability import PLAIN_LANGUAGE_MAX_GRADE, audience_readability
from articles.rendering import check
from references.citations import cited_keys
from references.models import Reference
from reviews import diffs, workflow
from reviews.admin_base import ReadOnlyAdmin, object_urls
from reviews.models import OPEN_STATES, BoardMember, ReviewEvent, ReviewRound, State
from reviews.snapshots import build_snapshot, render_snapshot

Action = ReviewEvent.Action

WORKFLOW_FUNCTIONS = {
    Action.START_REVIEW: lambda review_round, user, note: workflow.start_review(
        review_round, by=user
    ),
    Action.APPROVE: lambda review_round, user, note: workflow.approve(
        review_round, by=user, note=note
    ),
    Action.REQUEST_CHANGES: lambda review_round, user, note: workflow.request_changes(
        review_round, by=user, note=note
    ),
    Action.WITHDRAW: lambda review_round, user, note: workflow.withdraw(review_round, by=user),
}

MARKDOWN_FIELDS = {"body", "evidence_note"}

BUTTON_LABELS = {
    Action.SUBMIT: "Submit for review",
    Action.START_REVIEW: "Start review",
    Action.APPROVE: "Approve",
    Action.REQUEST_CHANGES: "Request changes",
    Action.WITHDRAW: "Withdraw",
}


def state_badge(state):
    if not state:
        return format_html('<span class="state-badge state-draft">{}</span>', "Draft")
    return format_html('<span class="state-badge state-{}">{}</span>', state, State(state).label)


def draft_preview(article):
    """Render the saved draft through the same pipeline a submission uses, plus its problems."""
    audiences = list(Audience.objects.order_by("order", "pk"))
    library_keys = set(Reference.objects.values_list("key", flat=True))
    problems = check(
        article.body, audiences=[a.slug for a in audiences], reference_keys=library_keys
    )
    references = {
        reference.key: reference.as_data()
        for reference in Reference.objects.filter(key__in=cited_keys(article.body))
    }
    snapshot = build_snapshot(article, audiences=audiences, references=references)
    return snapshot, render_snapshot(snapshot), problems


# The panel lists this many of the references no article cites, and counts the rest.
UNUSED_REFERENCES_SHOWN = 20


def writing_checks(article, body):
    """The writing checks of `body` as the text of `article`: problems with their lines,
    readability per audience, and the library's references that no article's body cites.

    A fixed number of queries, whatever the size of the library or of the site.
    """
    audiences = list(Audience.objects.order_by("order", "pk").values("slug", "name"))
    slugs = [audience["slug"] for audience in audiences]
    library = list(Reference.objects.order_by("key").values("key", "title"))
    problems = check(
        body, audiences=slugs, reference_keys={reference["key"] for reference in library}
    )
    references = {
        reference.key: reference.as_data()
        for reference in Reference.objects.filter(key__in=cited_keys(body))
    }
    scores = audience_readability(body, audiences=slugs, references=references)
    cited = set(cited_keys(body))
    for other_body in (
        Article.objects.exclude(pk=article.pk).values_list("body", flat=True).iterator()
    ):
        cited.update(cited_keys(other_body))
    unused = [reference for reference in library if reference["key"] not in cited]
    return {
        "problems": [
            {"line": problem.line, "code": problem.code, "message": problem.message}
            for problem in problems
        ],
        "audiences": [{**audience, **scores[audience["slug"]]} for audience in audiences],
        "max_grade": PLAIN_LANGUAGE_MAX_GRADE,
        "unused_references": unused[:UNUSED_REFERENCES_SHOWN],
        "unused_count": len(unused),
        "library": library,
    }


def preview_context(snapshot, rendered, audience_slug):
    slugs = [audience["slug"] for audience in snapshot["audiences"]]
    chosen = audience_slug if audience_slug in slugs else snapshot["default_audience"]
    return {
        "snapshot": snapshot,
        "article": snapshot["article"],
        "audiences": snapshot["audiences"],
        "audience": chosen,
        "content": rendered["audiences"][chosen],
    }


def live_round(article_id):
    return (
        ReviewRound.objects.filter(article_id=article_id, state=State.APPROVED)
        .order_by("-number")
        .first()
    )


@admin.register(Article)
class ArticleAdmin(VersionAdmin):
    form = ArticleForm
    list_display = ["title", "slug", "review_state", "updated_at"]
    # Counting every article costs more than the rest of the page at scale.
    show_full_result_count = False
    list_filter = ["topics", "allow_pending_publication"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["topics"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
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
        ("Record", {"fields": ["created_by", "created_at", "updated_at"]}),
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
        return (
            super()
            .get_queryset(request)
            .annotate(latest_state=Subquery(newest_round.values("state")[:1]))
        )

    @admin.display(description="Review state", ordering="latest_state")
    def review_state(self, article):
        return state_badge(article.latest_state)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        else:
            # The form checked its number against the row it locked: the next one is free.
            obj.edit_version = form.cleaned_data["edit_version"] + 1
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        live_edit_version = (extra_context or {}).get("live_edit_version")
        if object_id is not None and live_edit_version is not None:
            # A revert: reversion has just restored the old row, its edit_version included.
            # Put the live number back, so the revert is checked against the newest save like
            # any other and the number never goes down.
            Article.objects.filter(pk=object_id).update(edit_version=live_edit_version)
        response = super().changeform_view(request, object_id, form_url, extra_context)
        form = getattr(response, "context_data", {}).get("adminform")
        conflict = form and form.form.edit_conflict
        if conflict:
            context = edit_conflict_context(form.form.instance.pk, loaded_version=conflict[0])
            messages.error(request, context["edit_conflict_message"])
            response.context_data.update(context)
        return response

    def revision_view(self, request, object_id, version_id, extra_context=None):
        with transaction.atomic():
            # Read before reversion restores the old row over it, and locked until the revert
            # is saved or rolled back, so no save can slip in between.
            live_edit_version = (
                Article.objects.select_for_update()
                .filter(pk=object_id)
                .values_list("edit_version", flat=True)
                .first()
                if str(object_id).isdigit()
                else None
            )
            extra_context = {**(extra_context or {}), "live_edit_version": live_edit_version}
            return super().revision_view(request, object_id, version_id, extra_context)

    def get_urls(self):
        return [
            *object_urls(
                self,
                ("workflow/<str:action>/", self.workflow_view, "workflow"),
                ("preview/", self.preview_view, "preview"),
                ("compare/", self.compare_view, "compare"),
                ("checks/", self.checks_view, "checks"),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, object_id)
        # Without view permission the admin answers 403: build nothing for it first.
        if article is not None and self.has_view_or_change_permission(request, article):
            # A form shown again after a refused save is checked as typed; the review panel
            # always speaks of the saved draft, which is what a submission freezes.
            body = request.POST.get("body", article.body)
            checks = writing_checks(article, body)
            saved = checks if body == article.body else writing_checks(article, article.body)
            extra_context = {
                **(extra_context or {}),
                **self.review_panel(request, article, problems=saved["problems"]),
                "writing_checks": checks,
            }
        return super().change_view(request, object_id, form_url, extra_context)

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
        rounds = list(
            article.review_rounds.select_related("submitted_by", "decided_by", "reviewer")
            .prefetch_related("events__actor")
            .order_by("-number")
        )
        open_round = next((r for r in rounds if r.state in OPEN_STATES), None)
        actions = []
        if request.user.has_perm(workflow.SUBMIT_PERMISSION):
            actions.append(Action.SUBMIT)
        if open_round:
            actions += sorted(workflow.allowed_actions(open_round, request.user))
        return {
            "review_rounds": rounds,
            "open_round": open_round,
            "live_round": next((r for r in rounds if r.state == State.APPROVED), None),
            "latest_state_badge": state_badge(rounds[0].state if rounds else None),
            "workflow_buttons": [(action, BUTTON_LABELS[action]) for action in actions],
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
                review_round = workflow.submit(article, by=request.user, note=note)
            elif action in WORKFLOW_FUNCTIONS:
                open_round = article.review_rounds.open().first()
                if open_round is None:
                    raise workflow.InvalidTransition("The article has no round awaiting review.")
                review_round = WORKFLOW_FUNCTIONS[action](open_round, request.user, note)
            else:
                raise Http404("Unknown workflow action.")
        except (workflow.ReviewError, PermissionDenied) as error:
            messages.error(request, str(error))
            return redirect(change_url)
        messages.success(
            request,
            f"Round {review_round.number} is now {review_round.get_state_display().lower()}.",
        )
        return redirect(change_url)

    def preview_view(self, request, object_id):
        article = get_object_or_404(Article, pk=object_id)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        snapshot, rendered, problems = draft_preview(article)
        context = {
            **self.admin_site.each_context(request),
            **preview_context(snapshot, rendered, request.GET.get("audience")),
            "title": f"Preview of the draft: {article.title}",
            "preview_of": "the saved draft",
            "problems": problems,
            "opts": self.model._meta,
            "original": article,
        }
        return TemplateResponse(request, "admin/reviews/preview.html", context)

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


class QueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"
    # The "state" list filter's parameter: choosing a state asks for those rounds, so the
    # default "awaiting review" view must not hide them.
    state_parameter = "state__exact"

    def __init__(self, request, params, model, model_admin):
        self.state_chosen = any(key == "state" or key.startswith("state__") for key in params)
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [("mine", "Assigned to me"), ("all", "All rounds")]

    def choices(self, changelist):
        # "Awaiting review" is the default view of the queue, so it takes the place of "All".
        yield {
            "selected": self.value() is None and not self.state_chosen,
            "query_string": changelist.get_query_string(
                remove=[self.parameter_name, self.state_parameter]
            ),
            "display": "Awaiting review",
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset
        if self.value() == "mine":
            return queryset.open().filter(reviewer=request.user)
        if self.state_chosen:
            return queryset
        return queryset.awaiting_review()


class ReviewEventInline(admin.TabularInline):
    model = ReviewEvent
    fields = ["created_at", "action", "from_state", "to_state", "actor", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        # The actor column would otherwise cost one query per event.
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReviewRound)
class ReviewRoundAdmin(ReadOnlyAdmin):
    list_display = [
        "article",
        "number",
        "state_badge",
        "submitted_by",
        "submitted_at",
        "reviewer",
        "waiting",
    ]
    list_filter = [QueueFilter, "state"]
    list_select_related = ["article", "submitted_by", "reviewer"]
    search_fields = ["article__title", "note"]
    ordering = ["submitted_at", "pk"]
    # Counting every round ever submitted costs more than the rest of the page at scale.
    show_full_result_count = False
    inlines = [ReviewEventInline]
    change_form_template = "admin/reviews/reviewround/change_form.html"
    fields = [
        "article",
        "number",
        "state",
        "note",
        "submitted_by",
        "submitted_at",
        "reviewer",
        "decided_by",
        "decided_at",
        "decision_note",
        "approver_name",
        "approver_credentials",
        "revision",
        "snapshot_sha256",
    ]
    readonly_fields = fields

    @admin.display(description="State", ordering="state")
    def state_badge(self, review_round):
        return state_badge(review_round.state)

    @admin.display(description="Waiting")
    def waiting(self, review_round):
        return timesince(review_round.submitted_at) if review_round.state in OPEN_STATES else "—"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name.endswith("_changelist"):
            # The list shows none of the frozen text; leave its JSON in the database.
            queryset = queryset.defer(
                "snapshot", "rendered", "search_body", "search_vector", "article__body"
            )
        return queryset

    def get_urls(self):
        return [
            *object_urls(
                self,
                ("workflow/<str:action>/", self.workflow_view, "workflow"),
                ("preview/", self.preview_view, "preview"),
                ("compare-live/", self.compare_live_view, "compare_live"),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        review_round = self.get_object(request, object_id)
        if review_round is not None:
            actions = sorted(workflow.allowed_actions(review_round, request.user))
            extra_context = {
                **(extra_context or {}),
                "round": review_round,
                "state_badge": state_badge(review_round.state),
                "workflow_buttons": [(action, BUTTON_LABELS[action]) for action in actions],
                "audiences": review_round.snapshot["audiences"],
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_round(self, request, object_id):
        review_round = get_object_or_404(
            ReviewRound.objects.select_related("article"), pk=object_id
        )
        if not self.has_view_permission(request, review_round):
            raise PermissionDenied
        return review_round

    def workflow_view(self, request, object_id, action):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        review_round = self.get_round(request, object_id)
        if action not in WORKFLOW_FUNCTIONS:
            raise Http404("Unknown workflow action.")
        try:
            review_round = WORKFLOW_FUNCTIONS[action](
                review_round, request.user, request.POST.get("note", "")
            )
        except (workflow.ReviewError, PermissionDenied) as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"Round {review_round.number} is now {review_round.get_state_display().lower()}.",
            )
        return redirect(reverse("admin:reviews_reviewround_change", args=[object_id]))

    def preview_view(self, request, object_id):
        review_round = self.get_round(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            **preview_context(
                review_round.snapshot, review_round.rendered, request.GET.get("audience")
            ),
            # The frozen title: the article may have been retitled since the submission.
            "title": f"Preview of round {review_round.number}: "
            f"{review_round.snapshot['article']['title']}",
            "preview_of": f"round {review_round.number} ({review_round.get_state_display()})",
            "round": review_round,
            "opts": self.model._meta,
            "original": review_round,
        }
        return TemplateResponse(request, "admin/reviews/preview.html", context)

    def compare_live_view(self, request, object_id):
        review_round = self.get_round(request, object_id)
        live = live_round(review_round.article_id)
        if live is None or live.pk == review_round.pk:
            old_texts, old_label = diffs.snapshot_texts(review_round.snapshot), "itself"
            messages.info(request, "There is no other live round to compare with.")
        else:
            old_texts, old_label = diffs.snapshot_texts(live.snapshot), f"live round {live.number}"
        context = {
            **self.admin_site.each_context(request),
            "title": f"Round {review_round.number} against the live version",
            "opts": self.model._meta,
            "original": review_round,
            "old_label": old_label,
            "new_label": f"round {review_round.number} ({review_round.get_state_display()})",
            "field_diffs": diffs.compare_texts(
                old_texts, diffs.snapshot_texts(review_round.snapshot)
            ),
        }
        return TemplateResponse(request, "admin/reviews/compare.html", context)


@admin.register(ReviewEvent)
class ReviewEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "round", "action", "from_state", "to_state", "actor", "note"]
    list_filter = ["action"]
    list_select_related = ["round__article", "actor"]
    readonly_fields = ["round", "action", "from_state", "to_state", "actor", "note", "created_at"]


@admin.register(BoardMember)
class BoardMemberAdmin(admin.ModelAdmin):
    list_display = ["display_name", "credentials", "specialty", "active"]
    list_filter = ["active"]
    search_fields = ["display_name", "specialty"]
    raw_id_fields = ["user"]


from reviews import admin_review_dates  # noqa: E402,F401
