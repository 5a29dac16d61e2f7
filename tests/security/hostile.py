"""A site full of hostile text, published through the real workflow, and an HTML inspector.

Shared by tests/security/test_hostile_content.py (html.parser on every page) and
tests/browser/test_hostile_content.py (the same pages in Chromium).
"""

import json
import re
from html.parser import HTMLParser

from django.test import Client

from articles.models import Disclaimer, Question, SitePage
from reviews import comments, workflow
from reviews.models import QUOTE_LENGTH
from tests import factories
from tests.security.payloads import FORBIDDEN_SCHEMES, FORBIDDEN_TAGS, PAYLOADS, URL_ATTRIBUTES

# Tags our own templates write on full pages (forms, head), allowed outside the content.
TEMPLATE_TAGS = {"form", "input", "button", "textarea", "select", "meta", "link", "details"}
# Django's admin draws its theme toggle with inline SVG icons and sets style attributes.
ADMIN_TAGS = TEMPLATE_TAGS | {"svg", "template"}
# Script files we serve: static files, and the admin's translation catalogue.
OWN_SCRIPTS = ("/static/", "/admin/jsi18n/")
# What browsers ignore in a URL before reading its scheme: ASCII whitespace and controls.
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")


def storable(text):
    # PostgreSQL text cannot hold NUL; that case has its own validation tests.
    return text.replace("\x00", "")


def title_of(payload):
    # A newline in a title breaks the review-request e-mail's Subject header (BadHeaderError
    # after the submission commits; reported, see docs/security.md), so titles get spaces.
    return payload[:300].replace("\r", " ").replace("\n", " ")


class Inspector(HTMLParser):
    """Collects everything in a page that could run a script."""

    def __init__(self, *, allowed_tags=frozenset(), allow_style=False):
        super().__init__(convert_charrefs=True)
        self.allowed_tags, self.allow_style = allowed_tags, allow_style
        self.problems, self.json_blocks = [], []
        self._script = None

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            src = attributes.get("src")
            kind = (attributes.get("type") or "").lower()
            if src is not None and not src.startswith(OWN_SCRIPTS):
                self.problems.append(f"<script src={src!r}>")
            elif src is None and kind not in {"application/ld+json", "application/json"}:
                self.problems.append(f"inline <script type={kind!r}>")
            self._script = {"src": src, "type": kind, "text": ""}
        elif tag in FORBIDDEN_TAGS and tag not in self.allowed_tags:
            self.problems.append(f"<{tag}>")
        if tag == "meta" and "http-equiv" in attributes:
            self.problems.append(f"<meta http-equiv={attributes['http-equiv']!r}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>")
            if name == "style" and not self.allow_style:
                self.problems.append(f"<{tag} style>")
            if name == "srcdoc":
                self.problems.append(f"<{tag} srcdoc>")
            if name in URL_ATTRIBUTES and value:
                url = _URL_NOISE.sub("", value).lower()
                if url.startswith(FORBIDDEN_SCHEMES):
                    self.problems.append(f"<{tag} {name}={value!r}>")

    def handle_data(self, data):
        if self._script is not None:
            self._script["text"] += data

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            script, self._script = self._script, None
            if script["src"] is None:
                try:
                    self.json_blocks.append(json.loads(script["text"]))
                except ValueError as error:
                    self.problems.append(f"script data block is not JSON: {error}")


def inspect(html, **options):
    """(problems, JSON data blocks) of a page or a fragment."""
    inspector = Inspector(**options)
    inspector.feed(html)
    inspector.close()
    return inspector.problems, inspector.json_blocks


def preview_region(html):
    """The article inside an admin preview page: there, only sanitised content may appear.

    The draft preview wraps it in <article class="article preview">; a round's preview is the
    public article page itself, whose frozen content runs from the body to the references.
    """
    if '<article class="article preview">' in html:
        start = html.index('<article class="article preview">')
        return html[start : html.rindex("</article>") + len("</article>")]
    start = html.index('<div class="article-body">')
    end = html.index("</section>", html.index('<section class="references"', start))
    return html[start : end + len("</section>")]


class HostileSite:
    """Every field a person types into, filled with a payload, and published for real.

    Article i (slug hostile-i) carries payload i in its title, summary, body (shared and in a
    clinician block), evidence note, topic and cited reference, and is approved by board
    member i, whose name, credentials, specialty, bio and conflicts are payload i too. Every
    payload is also a disclaimer, part of the editorial policy and a reader's question.
    """

    def __init__(self, payloads=PAYLOADS):
        self.payloads = [storable(payload) for payload in payloads]
        factories.standard_audiences()
        self.editor = factories.EditorFactory(username="hostile-editor")
        self.superuser = factories.UserFactory(superuser=True, username="hostile-root")
        self.articles, self.rounds, self.members = [], [], []
        for index, payload in enumerate(self.payloads):
            self._publish(index, payload)
        SitePage.objects.update_or_create(
            slug="editorial-policy",
            defaults={"title": "Editorial policy", "body": "\n\n".join(self.payloads)},
        )
        for index, payload in enumerate(self.payloads):
            Disclaimer.objects.create(name=f"hostile {index}", body=payload, order=index)
        self._ask_questions()

    def _publish(self, index, payload):
        topic = factories.TopicFactory(slug=f"hostile-topic-{index}", name=payload[:200])
        reference = factories.ReferenceFactory(
            key=f"hostile-ref-{index}",
            title=payload,
            authors=f"{payload}\nSmith JA",
            container=payload[:500],
            volume=payload[:50],
            issue=payload[:50],
            pages=payload[:50],
            url=f"javascript:{payload}"[:1000] if index % 2 else payload[:1000],
        )
        body = (
            f"{payload}\n\nCalcium matters [@{reference.key}].\n\n"
            f"::: audience clinician\n{payload}\n:::\n\n- {payload}\n\n> {payload}\n"
        )
        article = factories.ArticleFactory(
            created_by=self.editor,
            slug=f"hostile-{index}",
            title=title_of(payload),
            summary=payload,
            body=body,
            evidence_note=payload,
        )
        article.topics.add(topic)
        member = factories.BoardMemberFactory(
            user__username=f"hostile-board-{index}",
            display_name=payload[:200],
            credentials=payload[:100],
            specialty=payload[:200],
            bio=payload,
            conflicts=payload,
        )
        review_round = workflow.submit(article, by=self.editor)
        workflow.start_review(review_round, by=member.user)
        # A comment thread in hostile words: the comment, its suggested wording and a reply.
        thread = comments.add(
            review_round,
            by=member.user,
            quote="Calcium matters",
            text=payload,
            kind="suggestion",
            replacement=payload[:QUOTE_LENGTH],
        )
        comments.reply(thread, by=self.editor, text=payload)
        self.rounds.append(workflow.approve(review_round, by=member.user, note=payload))
        self.articles.append(article)
        self.members.append(member)

    def _ask_questions(self):
        for index, payload in enumerate(self.payloads):
            response = Client().post(
                f"/articles/hostile-{index}/questions/",
                {"text": payload, "audience": "patient", "website": ""},
                REMOTE_ADDR=f"198.51.100.{index % 250}",
            )
            assert response.status_code == 302, (index, response.status_code)
        assert Question.objects.count() == len(self.payloads)

    def public_pages(self):
        """(name, path) of every public page showing hostile text."""
        pages = [
            ("home", "/"),
            ("search", "/search/?q=xss"),
            ("advisory-board", "/advisory-board/"),
            ("editorial-policy", "/editorial-policy/"),
        ]
        for index in range(len(self.payloads)):
            pages += [
                (f"article-{index}", f"/articles/hostile-{index}/"),
                (f"article-{index}-clinician", f"/articles/hostile-{index}/?audience=clinician"),
                (f"topic-{index}", f"/topics/hostile-topic-{index}/"),
            ]
        return pages

    def admin_pages(self):
        """(name, path, preview?) of the admin pages that show hostile text."""
        pages = [
            ("article-list", "/admin/articles/article/", False),
            ("question-list", "/admin/articles/question/", False),
            ("round-list", "/admin/reviews/reviewround/?queue=all", False),
            ("board-list", "/admin/reviews/boardmember/", False),
            ("reference-list", "/admin/references/reference/", False),
            ("disclaimer-list", "/admin/articles/disclaimer/", False),
            ("event-list", "/admin/reviews/reviewevent/", False),
        ]
        pairs = zip(self.articles, self.rounds, strict=True)
        for index, (article, review_round) in enumerate(pairs):
            question = Question.objects.get(article=article)
            pages += [
                (f"draft-preview-{index}", f"/admin/articles/article/{article.pk}/preview/", True),
                (
                    f"draft-preview-{index}-clinician",
                    f"/admin/articles/article/{article.pk}/preview/?audience=clinician",
                    True,
                ),
                (
                    f"round-preview-{index}",
                    f"/admin/reviews/reviewround/{review_round.pk}/preview/",
                    True,
                ),
                (
                    f"round-draft-comments-{index}",
                    f"/admin/reviews/reviewround/{review_round.pk}/draft/",
                    False,
                ),
                (f"article-change-{index}", f"/admin/articles/article/{article.pk}/change/", False),
                (
                    f"round-change-{index}",
                    f"/admin/reviews/reviewround/{review_round.pk}/change/",
                    False,
                ),
                (
                    f"question-change-{index}",
                    f"/admin/articles/question/{question.pk}/change/",
                    False,
                ),
            ]
        return pages
