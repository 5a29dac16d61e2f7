"""Admin for editors and the board: articles with their review panel, the review queue,
previews, version comparison and the read-only audit trail.

Views here parse input and call reviews.workflow; the rules live there.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.timezone import localtime
from reversion.admin import VersionAdmin
from reversion.models import Version

from articles.models import Article, Audience
from articles.rendering import check
from references.citations import cited_keys
from references.models import Reference
from reviews import diffs, workflow
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
    list_display = ["title", "slug", "review_state", "updated_at"]
    list_filter = ["topics", "allow_pending_publication"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["topics"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    change_form_template = "admin/articles/article/change_form.html"
    object_history_template = "admin/articles/article/object_history.html"
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body", "evidence_note", "topics"]}),
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
        super().save_model(request, obj, form, change)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/workflow/<str:action>/",
                view(self.workflow_view),
                name="articles_article_workflow",
            ),
            path(
                "<int:object_id>/preview/",
                view(self.preview_view),
                name="articles_article_preview",
            ),
            path(
                "<int:object_id>/compare/",
                view(self.compare_view),
                name="articles_article_compare",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, object_id)
        # Without view permission the admin answers 403: build nothing for it first.
        if article is not None and self.has_view_or_change_permission(request, article):
            extra_context = {**(extra_context or {}), **self.review_panel(request, article)}
        return super().change_view(request, object_id, form_url, extra_context)

    def review_panel(self, request, article):
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
        _, _, problems = draft_preview(article)
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
        versions = (
            Version.objects.get_for_object_reference(Article, object_id)
            .select_related("revision__user")
            .order_by("-revision__date_created", "-pk")
        )
        compare_url = reverse("admin:articles_article_compare", args=[object_id])
        extra_context = {**(extra_context or {}), "versions": versions, "compare_url": compare_url}
        return super().history_view(request, object_id, extra_context)

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
class ReviewRoundAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/workflow/<str:action>/",
                view(self.workflow_view),
                name="reviews_reviewround_workflow",
            ),
            path(
                "<int:object_id>/preview/",
                view(self.preview_view),
                name="reviews_reviewround_preview",
            ),
            path(
                "<int:object_id>/compare-live/",
                view(self.compare_live_view),
                name="reviews_reviewround_compare_live",
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
class ReviewEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "round", "action", "from_state", "to_state", "actor", "note"]
    list_filter = ["action"]
    list_select_related = ["round__article", "actor"]
    readonly_fields = ["round", "action", "from_state", "to_state", "actor", "note", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BoardMember)
class BoardMemberAdmin(admin.ModelAdmin):
    list_display = ["display_name", "credentials", "specialty", "active"]
    list_filter = ["active"]
    search_fields = ["display_name", "specialty"]
    raw_id_fields = ["user"]
