"""Who may see and do what: every role against every public URL, admin view and workflow action.

Each table row names a URL or action and the outcome for each role, in ROLES order. Hidden
text (a draft, a withdrawn round, a changes-requested round, an unapproved newer round) carries
a unique marker that must be absent from every response any role gets from a public URL, and
from every response anonymous and non-staff users get from any URL at all.
"""

import pytest
import reversion
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client
from reversion.models import Version

from articles.models import Article, Disclaimer, Question, SitePage, Topic
from references.models import Reference
from reviews import comments, workflow
from reviews.models import RetractionAlert, ReviewComment, ReviewEvent, ReviewRound, State
from tests import factories
from tests.admin_forms import change_form_data
from tests.factories import save_as

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "user", "editor", "board", "board_editor", "superuser")
LOGIN = "login"  # a 302 to the admin sign-in page
OK = "ok"

OLD_DISCLAIMER = "MARKEROLDDISCLAIMER"  # replaced before any test runs
CURRENT_DISCLAIMER = "CURRENTDISCLAIMERGAMMA"
OLD_POLICY = "MARKEROLDPOLICY"
CURRENT_POLICY = "CURRENTPOLICYDELTA"
PUBLISHED = "PUBLISHEDTEXTALPHA"
PENDING_SHOWN = "PENDINGSHOWNBETA"  # a newer round of an article that allows pending publication
HIDDEN = {
    "draft edit": "MARKERDRAFTEDIT",
    "never submitted": "MARKERNEVERSUBMITTED",
    "withdrawn": "MARKERWITHDRAWNROUND",
    "changes requested": "MARKERCHANGESREQUESTED",
    "unapproved newer round": "MARKERUNAPPROVEDNEWER",
    # Review comments and replies: on an unapproved round and on a pending round readers see.
    "review comment": "MARKERREVIEWCOMMENT",
    "comment reply": "MARKERCOMMENTREPLY",
    "comment on a shown round": "MARKERCOMMENTONSHOWN",
}


class World:
    """Articles in every state, and one user per role."""

    def __init__(self):
        factories.standard_audiences()
        factories.ReferenceFactory(key="guideline-2025")
        self.users = {
            "user": factories.UserFactory(username="reader"),
            "editor": factories.EditorFactory(username="ed"),
            "board": factories.BoardMemberFactory(user__username="bea").user,
            "board_editor": factories.BoardMemberFactory(user__username="bob").user,
            "superuser": factories.UserFactory(superuser=True, username="root"),
        }
        ed, bea, bob = (self.users[name] for name in ("editor", "board", "board_editor"))
        self.topic = factories.TopicFactory(slug="bones", name="Bones")

        def article(slug, text, **extra):
            created = factories.ArticleFactory(
                created_by=ed, slug=slug, body=f"{text} [@guideline-2025].\n", **extra
            )
            created.topics.add(self.topic)
            return created

        def publish(item):
            review_round = workflow.start_review(workflow.submit(item, by=ed), by=bea)
            return workflow.approve(review_round, by=bea)

        # Published, with a newer round awaiting review that board member bob edited, and a
        # draft edit after that.
        self.published = article("published", PUBLISHED)
        self.live_round = publish(self.published)
        save_as(bob, self.published, body=f"{HIDDEN['unapproved newer round']} [@guideline-2025].")
        self.newer_round = workflow.submit(self.published, by=ed)
        self.comment = comments.add(
            self.newer_round,
            by=bea,
            quote=HIDDEN["unapproved newer round"],
            text=HIDDEN["review comment"],
        )
        comments.reply(self.comment, by=ed, text=HIDDEN["comment reply"])
        save_as(ed, self.published, body=f"{HIDDEN['draft edit']} [@guideline-2025].")

        self.never_submitted = article("never-submitted", HIDDEN["never submitted"])
        self.withdrawn = article("withdrawn", HIDDEN["withdrawn"])
        self.withdrawn_round = workflow.withdraw(workflow.submit(self.withdrawn, by=ed), by=ed)
        self.changes = article("changes", HIDDEN["changes requested"])
        self.changes_round = workflow.request_changes(
            workflow.start_review(workflow.submit(self.changes, by=ed), by=bea),
            by=bea,
            note="Fix it.",
        )
        # Pending publication allowed: the newer submitted round is what readers see.
        self.pending = article("pending", "Old approved text", allow_pending_publication=True)
        publish(self.pending)
        save_as(ed, self.pending, body=f"{PENDING_SHOWN} [@guideline-2025].")
        shown_round = workflow.submit(self.pending, by=ed)
        comments.add(
            shown_round,
            by=bea,
            quote=PENDING_SHOWN,
            text=HIDDEN["comment on a shown round"],
            kind="suggestion",
            replacement="Other words",
        )

        self.history_world()
        self.question = Question.objects.create(article=self.published, text="When?")
        self.event = ReviewEvent.objects.filter(round=self.live_round).first()
        self.alert = RetractionAlert.objects.create(
            article=self.published, reference=self.reference, round=self.live_round
        )
        versions = reversion.models.Version.objects.get_for_object(self.published)
        self.compare_query = f"?from={versions.last().pk}&to={versions.first().pk}"

    def history_world(self):
        """Saved versions of every versioned model, deleted objects of each to recover, and a
        revision holding a disclaimer, the policy page, an article and a reference at once."""
        root = self.users["superuser"]
        self.reference = Reference.objects.get(key="guideline-2025")
        with reversion.create_revision():
            reversion.set_user(root)
            self.disclaimer = Disclaimer.objects.create(name="Standard", body=OLD_DISCLAIMER)
            self.page = SitePage.objects.create(
                slug="editorial-policy", title="Editorial policy", body=OLD_POLICY
            )
            reversion.add_to_revision(self.never_submitted)
            reversion.add_to_revision(self.reference)
        setup = Version.objects.get_for_object(self.page).get().revision
        self.setup_versions = {
            version.content_type.model: version
            for version in setup.version_set.select_related("content_type")
        }
        for obj, field, value in [
            (self.disclaimer, "body", CURRENT_DISCLAIMER),
            (self.page, "body", CURRENT_POLICY),
            (self.never_submitted, "title", "A later question?"),
            (self.reference, "title", "A later title"),
            (self.topic, "name", "Bone health"),
            (self.topic, "name", "Bones and joints"),
            (self.page, "body", CURRENT_POLICY + " Amended."),
        ]:
            with reversion.create_revision():
                reversion.set_user(root)
                setattr(obj, field, value)
                obj.save()
        self.own_versions = {
            name: Version.objects.get_for_object(obj).order_by("pk").first()
            for name, obj in [("topic", self.topic), ("page", self.page)]
        }
        self.own_versions["reference"] = Version.objects.get_for_object(self.reference).first()
        self.gone_versions = {}
        for name, make in [
            ("article", lambda: factories.ArticleFactory(created_by=root, slug="gone")),
            ("topic", lambda: Topic.objects.create(slug="gone", name="Gone")),
            ("disclaimer", lambda: Disclaimer.objects.create(name="Gone", body="Gone.")),
            ("page", lambda: SitePage.objects.create(slug="gone", title="Gone", body="Gone.")),
            ("reference", lambda: factories.ReferenceFactory(key="gone")),
        ]:
            with reversion.create_revision():
                reversion.set_user(root)
                gone = make()
            self.gone_versions[name] = Version.objects.get_for_object(gone).get()
            gone.delete()

    def client(self, role):
        client = Client()
        if role != "anonymous":
            client.force_login(self.users[role])
        return client

    def url(self, template):
        return template.format(
            a=self.published.pk,
            never=self.never_submitted.pk,
            newer=self.newer_round.pk,
            live=self.live_round.pk,
            withdrawn=self.withdrawn_round.pk,
            changes=self.changes_round.pk,
            event=self.event.pk,
            alert=self.alert.pk,
            question=self.question.pk,
            compare=self.compare_query,
            topic=self.topic.pk,
            disclaimer=self.disclaimer.pk,
            page=self.page.pk,
            reference=self.reference.pk,
            a_v=Version.objects.get_for_object(self.published).last().pk,
            never_v=self.setup_versions["article"].pk,
            topic_v=self.own_versions["topic"].pk,
            disclaimer_v=self.setup_versions["disclaimer"].pk,
            page_v=self.own_versions["page"].pk,
            reference_v=self.own_versions["reference"].pk,
            reference_setup_v=self.setup_versions["reference"].pk,
            **{f"gone_{name}_v": version.pk for name, version in self.gone_versions.items()},
        )


@pytest.fixture
def world(db):
    return World()


# --- Public URLs ------------------------------------------------------------------------------
# (what, method, URL, expected status per role in ROLES order, text that must be shown)
ALL_200 = (200,) * 6
ALL_404 = (404,) * 6
PUBLIC_URLS = [
    ("home", "get", "/", ALL_200, None),
    ("article", "get", "/articles/published/", ALL_200, PUBLISHED),
    ("article, clinician", "get", "/articles/published/?audience=clinician", ALL_200, PUBLISHED),
    ("article, unknown audience", "get", "/articles/published/?audience=x", ALL_200, PUBLISHED),
    ("pending article shown", "get", "/articles/pending/", ALL_200, PENDING_SHOWN),
    ("draft article", "get", "/articles/never-submitted/", ALL_404, None),
    ("withdrawn article", "get", "/articles/withdrawn/", ALL_404, None),
    ("changes-requested article", "get", "/articles/changes/", ALL_404, None),
    ("search, published", "get", f"/search/?q={PUBLISHED}", ALL_200, PUBLISHED),
    *[
        # Lower-case: the page repeats the query, and only the stored upper-case text is a leak.
        (f"search for {what}", "get", f"/search/?q={marker.lower()}", ALL_200, "0 results")
        for what, marker in HIDDEN.items()
    ],
    ("topic", "get", "/topics/bones/", ALL_200, None),
    ("advisory board", "get", "/advisory-board/", ALL_200, None),
    ("editorial policy", "get", "/editorial-policy/", ALL_200, None),
    ("feed", "get", "/feed/", ALL_200, None),
    ("sitemap", "get", "/sitemap.xml", ALL_200, None),
    ("robots.txt", "get", "/robots.txt", ALL_200, None),
    ("API", "get", "/api/articles/published/", ALL_200, PUBLISHED),
    ("API, pending", "get", "/api/articles/pending/", ALL_200, PENDING_SHOWN),
    ("API, draft", "get", "/api/articles/never-submitted/", ALL_404, None),
    ("API, withdrawn", "get", "/api/articles/withdrawn/", ALL_404, None),
    ("API, changes requested", "get", "/api/articles/changes/", ALL_404, None),
    ("question", "post", "/articles/published/questions/", (302,) * 6, None),
    ("question, draft", "post", "/articles/never-submitted/questions/", ALL_404, None),
    ("question thanks, draft", "get", "/articles/never-submitted/questions/thanks/", ALL_404, None),
]

# --- Admin views ------------------------------------------------------------------------------
# (what, method, URL template, expected status per role in ROLES order)
STAFF_VIEW = (LOGIN, LOGIN, 200, 200, 200, 200)
EDITORS_ONLY = (LOGIN, LOGIN, 200, 403, 403, 200)
NOBODY = (LOGIN, LOGIN, 403, 403, 403, 403)
SUPERUSER_ONLY = (*NOBODY[:5], 200)
# The history, revert ("revision") and recover views of every versioned model. A revert or a
# recovery, even only shown, needs the right to change every row its revision would restore
# (and to add each one that no longer exists); a version of another model or another object
# is refused to everyone.
HISTORY_URLS = [
    # Article (its own history page is in ADMIN_URLS).
    ("article revert", "get", "/admin/articles/article/{a}/history/{a_v}/", EDITORS_ONLY),
    ("article recover list", "get", "/admin/articles/article/recover/", EDITORS_ONLY),
    ("article recover", "get", "/admin/articles/article/recover/{gone_article_v}/",
     EDITORS_ONLY),
    ("article revert to another article's version", "get",
     "/admin/articles/article/{a}/history/{never_v}/", NOBODY),
    ("article revert to a version whose revision holds a disclaimer and a page", "get",
     "/admin/articles/article/{never}/history/{never_v}/", SUPERUSER_ONLY),
    ("article recover of an article that exists", "get",
     "/admin/articles/article/recover/{a_v}/", NOBODY),
    # Topic.
    ("topic history", "get", "/admin/articles/topic/{topic}/history/", STAFF_VIEW),
    ("topic revert", "get", "/admin/articles/topic/{topic}/history/{topic_v}/", EDITORS_ONLY),
    ("topic recover list", "get", "/admin/articles/topic/recover/", EDITORS_ONLY),
    ("topic recover", "get", "/admin/articles/topic/recover/{gone_topic_v}/", EDITORS_ONLY),
    ("topic recover of a topic that exists", "get", "/admin/articles/topic/recover/{topic_v}/",
     NOBODY),
    # Disclaimer: editors and the board only read them.
    ("disclaimer history", "get", "/admin/articles/disclaimer/{disclaimer}/history/",
     STAFF_VIEW),
    ("disclaimer revert", "get",
     "/admin/articles/disclaimer/{disclaimer}/history/{disclaimer_v}/", SUPERUSER_ONLY),
    ("disclaimer recover list", "get", "/admin/articles/disclaimer/recover/", SUPERUSER_ONLY),
    ("disclaimer recover", "get", "/admin/articles/disclaimer/recover/{gone_disclaimer_v}/",
     SUPERUSER_ONLY),
    # Site pages: only superusers may see or change them in the admin.
    ("page history", "get", "/admin/articles/sitepage/{page}/history/", SUPERUSER_ONLY),
    ("page revert", "get", "/admin/articles/sitepage/{page}/history/{page_v}/", SUPERUSER_ONLY),
    ("page recover list", "get", "/admin/articles/sitepage/recover/", SUPERUSER_ONLY),
    ("page recover", "get", "/admin/articles/sitepage/recover/{gone_page_v}/", SUPERUSER_ONLY),
    # Reference.
    ("reference history", "get", "/admin/references/reference/{reference}/history/",
     STAFF_VIEW),
    ("reference revert", "get",
     "/admin/references/reference/{reference}/history/{reference_v}/", EDITORS_ONLY),
    ("reference revert to a version whose revision holds a disclaimer and a page", "get",
     "/admin/references/reference/{reference}/history/{reference_setup_v}/", SUPERUSER_ONLY),
    ("reference recover list", "get", "/admin/references/reference/recover/", EDITORS_ONLY),
    ("reference recover", "get", "/admin/references/reference/recover/{gone_reference_v}/",
     EDITORS_ONLY),
    # The cross-model attack: a disclaimer's version through the reference admin.
    ("reference recover of a disclaimer version", "get",
     "/admin/references/reference/recover/{disclaimer_v}/", NOBODY),
    ("reference revert to a disclaimer version at the disclaimer's id", "get",
     "/admin/references/reference/{disclaimer}/history/{disclaimer_v}/", NOBODY),
    ("topic revert to a disclaimer version at the disclaimer's id", "get",
     "/admin/articles/topic/{disclaimer}/history/{disclaimer_v}/", NOBODY),
]  # fmt: skip

ADMIN_URLS = [
    ("admin index", "get", "/admin/", STAFF_VIEW),
    ("article changelist", "get", "/admin/articles/article/", STAFF_VIEW),
    ("article change", "get", "/admin/articles/article/{a}/change/", STAFF_VIEW),
    ("draft change", "get", "/admin/articles/article/{never}/change/", STAFF_VIEW),
    ("article add", "get", "/admin/articles/article/add/", EDITORS_ONLY),
    ("article preview", "get", "/admin/articles/article/{a}/preview/", STAFF_VIEW),
    ("draft preview", "get", "/admin/articles/article/{never}/preview/", STAFF_VIEW),
    ("article history", "get", "/admin/articles/article/{a}/history/", STAFF_VIEW),
    ("article compare", "get", "/admin/articles/article/{a}/compare/{compare}", STAFF_VIEW),
    ("article workflow GET", "get", "/admin/articles/article/{a}/workflow/submit/",
     (LOGIN, LOGIN, 405, 405, 405, 405)),
    ("article compare with live", "get", "/admin/articles/article/{a}/compare-live/",
     STAFF_VIEW),
    ("article live preview GET", "get", "/admin/articles/article/{a}/live-preview/",
     (LOGIN, LOGIN, 405, 405, 405, 405)),
    ("reference lookup", "get", "/admin/references/reference/lookup/", EDITORS_ONLY),
    ("article delete", "get", "/admin/articles/article/{a}/delete/", (*NOBODY[:5], 200)),
    ("round changelist", "get", "/admin/reviews/reviewround/", STAFF_VIEW),
    ("round change", "get", "/admin/reviews/reviewround/{newer}/change/", STAFF_VIEW),
    ("round preview, newer", "get", "/admin/reviews/reviewround/{newer}/preview/", STAFF_VIEW),
    ("round preview, withdrawn", "get", "/admin/reviews/reviewround/{withdrawn}/preview/",
     STAFF_VIEW),
    ("round preview, changes", "get", "/admin/reviews/reviewround/{changes}/preview/",
     STAFF_VIEW),
    ("round compare-approved", "get", "/admin/reviews/reviewround/{newer}/compare-approved/",
     STAFF_VIEW),
    ("round changes since previous", "get", "/admin/reviews/reviewround/{newer}/changes/",
     STAFF_VIEW),
    ("round draft with comments", "get", "/admin/reviews/reviewround/{newer}/draft/",
     STAFF_VIEW),
    ("comment POST to a preview", "post", "/admin/reviews/reviewround/{newer}/preview/",
     (LOGIN, LOGIN, 400, 400, 400, 400)),
    ("comment POST to the draft view", "post", "/admin/reviews/reviewround/{newer}/draft/",
     (LOGIN, LOGIN, 400, 400, 400, 400)),
    ("round workflow GET", "get", "/admin/reviews/reviewround/{newer}/workflow/approve/",
     (LOGIN, LOGIN, 405, 405, 405, 405)),
    ("round add", "get", "/admin/reviews/reviewround/add/", NOBODY),
    ("round delete", "get", "/admin/reviews/reviewround/{live}/delete/", NOBODY),
    ("event changelist", "get", "/admin/reviews/reviewevent/", STAFF_VIEW),
    ("event change", "get", "/admin/reviews/reviewevent/{event}/change/", STAFF_VIEW),
    ("event delete", "get", "/admin/reviews/reviewevent/{event}/delete/", NOBODY),
    ("event delete POST", "post", "/admin/reviews/reviewevent/{event}/delete/", NOBODY),
    ("retraction alerts", "get", "/admin/reviews/retractionalert/", STAFF_VIEW),
    ("retraction alert", "get", "/admin/reviews/retractionalert/{alert}/change/", STAFF_VIEW),
    ("retraction alert add", "get", "/admin/reviews/retractionalert/add/", NOBODY),
    ("retraction alert delete", "get", "/admin/reviews/retractionalert/{alert}/delete/", NOBODY),
    ("retraction alert delete POST", "post", "/admin/reviews/retractionalert/{alert}/delete/",
     NOBODY),
    ("reference changelist", "get", "/admin/references/reference/", STAFF_VIEW),
    ("reference add", "get", "/admin/references/reference/add/", EDITORS_ONLY),
    ("disclaimer changelist", "get", "/admin/articles/disclaimer/", STAFF_VIEW),
    ("disclaimer add", "get", "/admin/articles/disclaimer/add/", (*NOBODY[:5], 200)),
    ("audience changelist", "get", "/admin/articles/audience/", STAFF_VIEW),
    ("audience add", "get", "/admin/articles/audience/add/", (*NOBODY[:5], 200)),
    ("board member changelist", "get", "/admin/reviews/boardmember/", STAFF_VIEW),
    ("board member add", "get", "/admin/reviews/boardmember/add/", (*NOBODY[:5], 200)),
    ("question changelist", "get", "/admin/articles/question/", EDITORS_ONLY),
    ("question change", "get", "/admin/articles/question/{question}/change/", EDITORS_ONLY),
    *HISTORY_URLS,
]  # fmt: skip


def outcome(response):
    if response.status_code == 302 and response["Location"].startswith("/admin/login/"):
        return LOGIN
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_public_urls_answer_each_role_as_the_table_says_and_never_show_hidden_text(world, role):
    client = world.client(role)
    wrong, leaks = [], []
    for what, method, url, expected, shown in PUBLIC_URLS:
        data = {"text": "Is it safe?", "audience": "patient"} if method == "post" else None
        response = getattr(client, method)(url, data, REMOTE_ADDR=f"192.0.2.{len(wrong)}")
        want = expected[ROLES.index(role)]
        if outcome(response) != want:
            wrong.append((what, outcome(response), want))
        body = response.content.decode()
        if shown and shown not in body:
            wrong.append((what, f"does not show {shown}"))
        leaks += [(what, hidden) for hidden, marker in HIDDEN.items() if marker in body]
    assert wrong == []
    assert leaks == []


@pytest.mark.parametrize("role", ROLES)
def test_admin_views_answer_each_role_as_the_table_says(world, role):
    client = world.client(role)
    wrong, leaks = [], []
    for what, method, template, expected in ADMIN_URLS:
        response = getattr(client, method)(world.url(template))
        want = expected[ROLES.index(role)]
        if outcome(response) != want:
            wrong.append((what, outcome(response), want))
        if role in {"anonymous", "user"} or outcome(response) in {403, 404, LOGIN}:
            body = response.content.decode()
            leaks += [(what, hidden) for hidden, marker in HIDDEN.items() if marker in body]
    assert wrong == []
    assert leaks == []


def test_staff_previews_do_show_the_hidden_text_so_the_leak_checks_can_fail(world):
    client = world.client("board")
    preview = client.get(world.url("/admin/reviews/reviewround/{newer}/preview/"))
    draft = client.get(world.url("/admin/articles/article/{never}/preview/"))

    assert HIDDEN["unapproved newer round"] in preview.content.decode()
    assert HIDDEN["never submitted"] in draft.content.decode()
    assert HIDDEN["review comment"] in preview.content.decode()
    assert HIDDEN["comment reply"] in preview.content.decode()
    shown = world.pending.review_rounds.order_by("-number").first()
    shown_preview = client.get(f"/admin/reviews/reviewround/{shown.pk}/preview/")
    assert HIDDEN["comment on a shown round"] in shown_preview.content.decode()


@pytest.mark.parametrize("role", ["anonymous", "user"])
def test_comment_posts_from_readers_change_nothing(world, role):
    client = world.client(role)
    before = list(ReviewComment.objects.values_list("pk", "state", "text"))
    for view in ("preview", "draft"):
        url = world.url(f"/admin/reviews/reviewround/{{newer}}/{view}/")
        client.post(url, {"op": "resolve", "comment": world.comment.pk})
        client.post(url, {"op": "reply", "comment": world.comment.pk, "text": "Me too"})
        client.post(url, {"op": "add", "quote": HIDDEN["unapproved newer round"], "text": "Mine"})
    assert list(ReviewComment.objects.values_list("pk", "state", "text")) == before


def test_the_domain_refuses_readers_comments_whatever_the_view(world):
    reader = world.users["user"]
    with pytest.raises(PermissionDenied):
        comments.add(world.newer_round, by=reader, quote=HIDDEN["unapproved newer round"], text="x")
    with pytest.raises(PermissionDenied):
        comments.reply(world.comment, by=reader, text="x")
    with pytest.raises(PermissionDenied):
        comments.resolve(world.comment, by=AnonymousUser())
    assert ReviewComment.objects.readable_by(reader).count() == 0
    assert ReviewComment.objects.readable_by(AnonymousUser()).count() == 0
    assert ReviewComment.objects.readable_by(world.users["editor"]).count() == 3


@pytest.mark.parametrize("role", ["anonymous", "user", "board", "board_editor"])
def test_admin_workflow_posts_from_the_wrong_role_change_nothing(world, role):
    client = world.client(role)
    before = list(ReviewRound.objects.values_list("pk", "state"))
    events = ReviewEvent.objects.count()

    client.post(world.url("/admin/articles/article/{never}/workflow/submit/"))
    client.post(world.url("/admin/articles/article/{a}/workflow/withdraw/"))
    if role in {"anonymous", "user"}:
        client.post(world.url("/admin/reviews/reviewround/{newer}/workflow/start_review/"))
    client.post(world.url("/admin/reviews/reviewround/{newer}/workflow/approve/"))

    assert list(ReviewRound.objects.values_list("pk", "state")) == before
    assert ReviewEvent.objects.count() == events


# --- Reverts and recoveries that reach across models -------------------------------------------
# (what, URL template, the change form whose data is posted, expected status per role)
CROSS_MODEL_POSTS = [
    ("reference recover of a disclaimer version",
     "/admin/references/reference/recover/{disclaimer_v}/",
     "/admin/references/reference/{reference}/change/", NOBODY),
    ("reference revert to a disclaimer version at the disclaimer's id",
     "/admin/references/reference/{disclaimer}/history/{disclaimer_v}/",
     "/admin/references/reference/{reference}/change/", NOBODY),
    ("article revert to another article's version",
     "/admin/articles/article/{a}/history/{never_v}/",
     "/admin/articles/article/{a}/change/", NOBODY),
    ("article revert to a version whose revision holds a disclaimer and a page",
     "/admin/articles/article/{never}/history/{never_v}/",
     "/admin/articles/article/{never}/change/", (*NOBODY[:5], 302)),
]  # fmt: skip


def site_state(world):
    """What a revert of the shared revision would change, as readers and the history see it."""
    return {
        "disclaimer": Disclaimer.objects.get(pk=world.disclaimer.pk).body,
        "page": SitePage.objects.get(pk=world.page.pk).body,
        "article": Article.objects.get(pk=world.never_submitted.pk).title,
        "published article": Article.objects.get(pk=world.published.pk).body,
        "reference": Reference.objects.get(pk=world.reference.pk).title,
        "versions": Version.objects.count(),
        "public page": Client().get("/articles/published/").text,
        "policy page": Client().get("/editorial-policy/").text,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("what", "url", "form", "expected"), CROSS_MODEL_POSTS)
def test_reverts_posted_across_models_answer_the_table_and_change_nothing(
    world, role, what, url, form, expected
):
    before = site_state(world)
    assert CURRENT_DISCLAIMER in before["public page"]  # so the checks below can fail
    assert CURRENT_POLICY in before["policy page"]
    data = {**change_form_data(world.client("superuser").get(world.url(form))), "_save": "Save"}

    response = world.client(role).post(world.url(url), data)

    assert outcome(response) == expected[ROLES.index(role)]
    after = site_state(world)
    if outcome(response) == 302:
        # Only the superuser, who may change all it holds, restores the whole revision.
        assert after["disclaimer"] == OLD_DISCLAIMER
        assert after["page"] == OLD_POLICY
        assert after["versions"] > before["versions"]
        return
    assert after == before
    assert OLD_DISCLAIMER not in after["public page"]
    assert OLD_POLICY not in after["policy page"]


# --- Workflow actions, through the domain functions ---------------------------------------------
C = workflow.ConflictOfInterest
P = PermissionDenied
# action: expected per role in ROLES order (OK, or the exception raised).
ACTIONS = {
    "submit": (P, P, OK, P, P, OK),
    "start_review": (P, P, P, OK, C, OK),
    "approve": (P, P, P, OK, C, OK),
    "request_changes": (P, P, P, OK, OK, OK),
    "withdraw": (P, P, OK, P, P, OK),
}


def run_action(world, action, user):
    newer = world.newer_round
    if action == "submit":
        return workflow.submit(world.never_submitted, by=user)
    if action == "start_review":
        return workflow.start_review(newer, by=user)
    if action == "withdraw":
        return workflow.withdraw(newer, by=user)
    if action == "approve":
        return workflow.approve(newer, by=user)
    return workflow.request_changes(newer, by=user, note="Please fix.")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_workflow_actions_allow_and_refuse_each_role_as_the_table_says(world, action, role):
    user = AnonymousUser() if role == "anonymous" else world.users[role]
    expected = ACTIONS[action][ROLES.index(role)]
    if action in {"approve", "request_changes"}:
        # Both need a round under review, taken there by board member bea.
        workflow.start_review(world.newer_round, by=world.users["board"])
        world.newer_round.refresh_from_db()
    before = (list(ReviewRound.objects.values_list("pk", "state")), ReviewEvent.objects.count())

    if expected is OK:
        run_action(world, action, user)
        assert ReviewEvent.objects.count() > before[1]
    else:
        with pytest.raises(PermissionDenied) as raised:
            run_action(world, action, user)
        assert type(raised.value) is expected
        after = (list(ReviewRound.objects.values_list("pk", "state")), ReviewEvent.objects.count())
        assert after == before


def test_approving_the_newer_round_publishes_it_and_only_then(
    world, django_capture_on_commit_callbacks
):
    client = Client()
    assert HIDDEN["unapproved newer round"] not in client.get("/articles/published/").text
    under_review = workflow.start_review(world.newer_round, by=world.users["board"])
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(under_review, by=world.users["board"])

    assert HIDDEN["unapproved newer round"] in client.get("/articles/published/").text
    assert HIDDEN["draft edit"] not in client.get("/articles/published/").text
    assert ReviewRound.objects.get(pk=world.newer_round.pk).state == State.APPROVED
