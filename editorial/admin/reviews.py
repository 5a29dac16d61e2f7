"""The board's side of the desk: the review queue, each round with its preview and its
comparison with the last approved round, the read-only audit trail, and the board members.

Views here parse input and call reviews.workflow; the rules live there.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.timesince import timesince

from editorial import comments as desk
from editorial import dashboard
from editorial.admin.base import ReadOnlyAdmin, object_urls, shown_by_name
from editorial.review import (
    BUTTON_LABELS,
    WORKFLOW_FUNCTIONS,
    asks_to_confirm,
    confirm_approval,
    last_approved_round,
    state_badge,
    state_changed_message,
    unlisted_approver_note,
)
from reviews import comments, diffs, workflow
from reviews.models import (
    OPEN_STATES,
    BoardMember,
    RetractionAlert,
    ReviewEvent,
    ReviewRound,
    State,
)
from reviews.retractions import retracted_in_round

Action = ReviewEvent.Action


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
        return [
            ("waiting", "Waiting for a reviewer"),
            ("mine", "Assigned to me"),
            ("my_changes", "Changes requested on my articles"),
            ("answer", "Comments waiting for my answer"),
            ("all", "All rounds"),
        ]

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
        if self.value() == "waiting":
            return queryset.filter(state=State.SUBMITTED)
        if self.value() == "my_changes":
            return queryset.filter(pk__in=dashboard.changes_requested_of(request.user).values("pk"))
        if self.value() == "answer":
            return queryset.filter(
                pk__in=dashboard.rounds_with_comments_for(request.user).values("pk")
            )
        if self.state_chosen:
            return queryset
        return queryset.awaiting_review()


class ReviewEventInline(admin.TabularInline):
    model = ReviewEvent
    fields = ["created_at", "action", "from_state", "to_state", "actor_name", "note"]
    readonly_fields = fields
    actor_name = shown_by_name("actor", "actor")
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
        "what_changed",
        "slug",
        "review_interval_months",
        "allow_pending_publication",
        "submitted_by_name",
        "submitted_at",
        "reviewer_name",
        "decided_by_name",
        "decided_at",
        "decision_note",
        "approver_name",
        "approver_credentials",
        "revision",
        "snapshot_sha256",
    ]
    readonly_fields = fields
    submitted_by_name = shown_by_name("submitted_by", "submitted by")
    reviewer_name = shown_by_name("reviewer", "reviewer")
    decided_by_name = shown_by_name("decided_by", "decided by")

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
                ("compare-approved/", self.compare_approved_view, "compare_approved"),
                ("changes/", self.changes_view, "changes"),
                ("draft/", self.draft_view, "draft"),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        review_round = self.get_object(request, object_id)
        if review_round is not None and request.method == "GET":
            warn_retracted(request, review_round)
        if review_round is not None:
            actions = sorted(workflow.allowed_actions(review_round, request.user))
            previous = desk.previous_round(review_round)
            can_read = request.user.has_perm("reviews.view_reviewcomment")
            threads = comments.for_round(review_round) if can_read else None
            extra_context = {
                **(extra_context or {}),
                "round": review_round,
                "state_badge": state_badge(review_round.state),
                "workflow_buttons": [(action, BUTTON_LABELS[action]) for action in actions],
                "unlisted_approver": unlisted_approver_note(request.user, actions),
                "audiences": review_round.snapshot["audiences"],
                "previous_round": previous,
                "can_read_comments": can_read,
                "threads": threads or [],
                "comment_counts": comments.counts(review_round, threads),
                "previous_threads": comments.for_round(previous) if previous and can_read else [],
                "draft_link": review_round.state in comments.COMMENTABLE_STATES,
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
        if asks_to_confirm(request, action, review_round):
            return confirm_approval(request, self, review_round)
        try:
            review_round = WORKFLOW_FUNCTIONS[action](
                review_round, request.user, request.POST.get("note", "")
            )
        except (workflow.ReviewError, PermissionDenied) as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                state_changed_message(review_round),
            )
        return redirect(reverse("admin:reviews_reviewround_change", args=[object_id]))

    def preview_view(self, request, object_id):
        """The round as readers would see it, per audience, with its comments beside the text
        and a form to add one (select words, or follow a passage's "Comment" link)."""
        review_round = self.get_round(request, object_id)
        form_state = desk.FormState()
        if request.method == "POST":
            ok, form_state = desk.handle_post(request, review_round)
            if ok:
                return redirect(desk.safe_next(request, request.get_full_path()))
        chosen = request.GET.get("audience") or request.POST.get("audience_tab") or ""
        audiences = review_round.snapshot["audiences"]
        if chosen not in [entry["slug"] for entry in audiences]:
            chosen = review_round.snapshot["default_audience"]
        page = desk.preview_page(review_round, chosen, link_query=f"audience={chosen}")
        passage = request.GET.get("passage", "")
        quote = form_state.values.get("quote") if form_state.operation == "add" else None
        if quote is None and passage.isdigit():
            quote = desk.passage_text(review_round.rendered_for(chosen)["body_html"], int(passage))
        can_read = request.user.has_perm("reviews.view_reviewcomment")
        threads = comments.for_round(review_round) if can_read else None
        page_url = reverse("admin:reviews_reviewround_preview", args=[review_round.pk])
        context = {
            **desk.public_page_context(page, page_url=page_url),
            "round": review_round,
            "audience_tabs": audiences,
            "threads": [t for t in threads or [] if t.audience in ("", chosen)],
            "other_threads": [t for t in threads or [] if t.audience not in ("", chosen)],
            "comment_counts": comments.counts(review_round, threads),
            "can_comment": request.user.has_perm(comments.COMMENT_PERMISSION)
            and review_round.state in comments.COMMENTABLE_STATES,
            "can_require": request.user.has_perm(workflow.DECIDE_PERMISSION),
            "can_apply": request.user.has_perm(comments.EDIT_ARTICLE_PERMISSION),
            "form_state": form_state,
            "quote": quote or "",
            "here": f"{page_url}?audience={chosen}",
            "round_url": reverse("admin:reviews_reviewround_change", args=[review_round.pk]),
        }
        status = 400 if form_state.error else 200
        return TemplateResponse(request, "admin/reviews/round_preview.html", context, status=status)

    def draft_view(self, request, object_id):
        """The article's draft source line by line, the open comments of its newest round
        beside the lines they start on, with reply, resolve and apply."""
        review_round = self.get_round(request, object_id)
        if not request.user.has_perm("reviews.view_reviewcomment"):
            raise PermissionDenied
        newest = desk.newest_round(review_round.article_id)
        form_state = desk.FormState()
        if request.method == "POST":
            ok, form_state = desk.handle_post(request, newest)
            if ok:
                return redirect(desk.safe_next(request, request.get_full_path()))
        article = review_round.article
        context = {
            **self.admin_site.each_context(request),
            "title": f"Comments on the draft: {article.title}",
            "opts": self.model._meta,
            "original": newest,
            "round": newest,
            "article": article,
            "lines": desk.draft_lines(article),
            "comment_counts": comments.counts(newest),
            "can_comment": request.user.has_perm(comments.COMMENT_PERMISSION)
            and newest.state in comments.COMMENTABLE_STATES,
            "can_apply": request.user.has_perm(comments.EDIT_ARTICLE_PERMISSION),
            "form_state": form_state,
            "here": request.get_full_path(),
        }
        status = 400 if form_state.error else 200
        return TemplateResponse(
            request, "admin/reviews/draft_comments.html", context, status=status
        )

    def changes_view(self, request, object_id):
        """Only what changed since the article's previous round, a little context around each
        change, with links from one change to the next."""
        review_round = self.get_round(request, object_id)
        previous = desk.previous_round(review_round)
        if previous is None:
            passages = []
            messages.info(request, "This is the article's first round: nothing to compare with.")
        else:
            passages = diffs.changed_passages(
                previous.snapshot["article"]["body"], review_round.snapshot["article"]["body"]
            )
        fields = []
        if previous is not None:
            old, new = (
                diffs.snapshot_texts(previous.snapshot),
                diffs.snapshot_texts(review_round.snapshot),
            )
            fields = [
                diff
                for diff in diffs.compare_texts({**old, "body": ""}, {**new, "body": ""})
                if diff.changed
            ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Changes in round {review_round.number} since round "
            f"{previous.number if previous else '—'}",
            "opts": self.model._meta,
            "original": review_round,
            "round": review_round,
            "previous": previous,
            "passages": passages,
            "other_fields": fields,
        }
        return TemplateResponse(request, "admin/reviews/changes.html", context)

    def compare_approved_view(self, request, object_id):
        review_round = self.get_round(request, object_id)
        approved = last_approved_round(review_round.article_id)
        if approved is None or approved.pk == review_round.pk:
            old_texts, old_label = diffs.snapshot_texts(review_round.snapshot), "itself"
            messages.info(request, "There is no earlier approved round to compare with.")
        else:
            old_texts, old_label = (
                diffs.snapshot_texts(approved.snapshot),
                f"approved round {approved.number}",
            )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Round {review_round.number} against the last approved round",
            "opts": self.model._meta,
            "original": review_round,
            "old_label": old_label,
            "new_label": f"round {review_round.number} ({review_round.get_state_display()})",
            "field_diffs": diffs.compare_texts(
                old_texts, diffs.snapshot_texts(review_round.snapshot)
            ),
        }
        return TemplateResponse(request, "admin/reviews/compare.html", context)


def warn_retracted(request, review_round):
    """A warning on the round page for every retracted reference the round cites."""
    for citation in retracted_in_round(review_round):
        lines = ", ".join(str(line) for line in citation.lines)
        messages.warning(
            request,
            f"Round {review_round.number} cites a retracted reference on line"
            f"{'s' if len(citation.lines) > 1 else ''} {lines}: {citation.message}",
        )


@admin.register(ReviewEvent)
class ReviewEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "round", "action", "from_state", "to_state", "actor", "note"]
    list_filter = ["action"]
    list_select_related = ["round__article", "actor"]
    fields = ["round", "action", "from_state", "to_state", "actor_name", "note", "created_at"]
    readonly_fields = fields
    actor_name = shown_by_name("actor", "actor")


@admin.register(RetractionAlert)
class RetractionAlertAdmin(ReadOnlyAdmin):
    """What the board was told about retractions: each published article found citing a
    reference after that reference was marked retracted, once per pair, with the round that
    cited it then. Written by reviews.retractions; nobody edits it."""

    list_display = ["created_at", "reference_key", "article_link", "round_link"]
    list_filter = [("created_at", admin.DateFieldListFilter)]
    list_select_related = ["reference", "article", "round"]
    search_fields = ["reference__key", "reference__title", "article__title", "article__slug"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "reference_key", "article_link", "round_link"]
    fields = readonly_fields

    @admin.display(description="reference", ordering="reference__key")
    def reference_key(self, alert):
        reference = alert.reference
        notice = (
            f" (retraction notice {reference.retraction_doi})" if reference.retraction_doi else ""
        )
        return f"[@{reference.key}] {reference.title}{notice}"

    @admin.display(description="article", ordering="article__title")
    def article_link(self, alert):
        url = reverse("admin:articles_article_change", args=[alert.article_id])
        return format_html('<a href="{}">{}</a>', url, alert.article.title)

    @admin.display(description="round")
    def round_link(self, alert):
        url = reverse("admin:reviews_reviewround_change", args=[alert.round_id])
        return format_html('<a href="{}">Round {}</a>', url, alert.round.number)


@admin.register(BoardMember)
class BoardMemberAdmin(admin.ModelAdmin):
    list_display = ["display_name", "credentials", "specialty", "active"]
    list_filter = ["active"]
    search_fields = ["display_name", "specialty"]
    raw_id_fields = ["user"]
    user_name = shown_by_name("user", "user")

    def get_fields(self, request, obj=None):
        """The form's fields; to someone who may only look (editors, the board), the member's
        account as a name rather than a link to a user page they may not open."""
        fields = super().get_fields(request, obj)
        if self.has_change_permission(request, obj):
            return fields
        return ["user_name" if name == "user" else name for name in fields]
