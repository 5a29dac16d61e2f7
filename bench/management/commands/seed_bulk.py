"""`manage.py seed_bulk --articles N`: N realistic published articles, made quickly, for scale.

Every article gets 1–3 topics and 2–3 approved review rounds (the newest is what readers see),
and every round is what the workflow would have written: a reversion revision holding the
article's text, the frozen snapshot with every cited reference's data, the HTML from
reviews.snapshots.render_snapshot, its SHA-256, search_body, the submit/start/approve events, and
on PostgreSQL the weighted search_vector that reviews.search.index_round writes (done for all
rows in one UPDATE). Bodies cite 5–40 references from a shared pool and phrase passages for
the audiences with audience blocks.

Speed: rounds render through render_snapshot, which reads only body, evidence note, audiences
and references; so bodies are drawn from a pool of variants (one per condition and variant
number) that are each rendered once. Titles, summaries, slugs, dates and rare terms are per
article. Rows go in with COPY on PostgreSQL and bulk_create elsewhere. `--history-versions K`
also makes one article with K saved versions (for the history and compare views).
"""

import io
import json
import random
import sys
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from reversion.models import Revision, Version

from articles.models import Article, Audience, Topic
from references.models import Reference
from reviews.models import BoardMember, ReviewEvent, ReviewRound, State
from reviews.search import index_rounds, searchable_body
from reviews.snapshots import build_snapshot, render_snapshot, snapshot_digest
from reviews.workflow import mark_published

SLUG_PREFIX = "bulk-"
REFERENCE_PREFIX = "bulk-ref-"
HISTORY_SLUG = "bulk-history-article"

CONDITIONS = [
    "osteoporosis", "type 2 diabetes", "high blood pressure", "asthma", "migraine",
    "atrial fibrillation", "chronic kidney disease", "depression", "heart failure", "psoriasis",
    "gout", "anaemia", "hypothyroidism", "COPD", "eczema", "insomnia", "obesity",
    "osteoarthritis", "rheumatoid arthritis", "iron deficiency", "coeliac disease", "glaucoma",
    "sciatica", "acne", "endometriosis", "tinnitus", "shingles", "angina", "hay fever",
    "irritable bowel syndrome", "Parkinson's disease", "dementia", "anxiety", "back pain",
    "kidney stones", "urinary tract infection", "rosacea", "stroke prevention", "sleep apnoea",
    "peripheral neuropathy",
]  # fmt: skip
INTERVENTIONS = [
    "metformin", "statins", "vitamin D", "regular exercise", "calcium", "beta blockers",
    "ACE inhibitors", "inhaled corticosteroids", "SGLT2 inhibitors", "talking therapy",
    "physiotherapy", "compression stockings", "iron supplements", "levothyroxine", "allopurinol",
    "anticoagulants", "magnesium", "omega-3 fatty acids", "melatonin", "weight loss",
    "acupuncture", "low-dose aspirin", "a Mediterranean diet", "probiotics", "antihistamines",
    "topical retinoids", "GLP-1 agonists", "bisphosphonates", "yoga", "hearing aids",
]  # fmt: skip
POPULATIONS = [
    "adults over 65", "pregnant women", "children", "people with kidney disease",
    "older adults living alone", "teenagers", "athletes", "postmenopausal women", "smokers",
    "night-shift workers", "people with diabetes", "adults after a fracture",
]  # fmt: skip
OUTCOMES = [
    "fractures", "hospital admissions", "symptom scores", "quality of life", "blood pressure",
    "HbA1c", "falls", "pain", "sleep quality", "mortality", "days off work", "relapse",
]  # fmt: skip
SYLLABLES = ["ve", "lo", "ra", "ti", "zu", "mo", "na", "xi", "pe", "do", "ka", "lu", "fe", "sa"]
SUFFIXES = ["stat", "mab", "pine", "tide", "zole", "vir", "pril", "sartan", "olol", "dronate"]
JOURNALS = [
    "BMJ", "The Lancet", "JAMA", "N Engl J Med", "Ann Intern Med", "Cochrane Database Syst Rev",
    "Osteoporos Int", "Diabetes Care", "Eur Heart J", "J Bone Miner Res", "Thorax", "Brain",
]  # fmt: skip
REFERENCE_KINDS = [
    Reference.Kind.RANDOMISED_TRIAL, Reference.Kind.SYSTEMATIC_REVIEW, Reference.Kind.COHORT_STUDY,
    Reference.Kind.META_ANALYSIS, Reference.Kind.GUIDELINE, Reference.Kind.REVIEW,
]  # fmt: skip
SURNAMES = ["Smith", "Okafor", "Tanaka", "Garcia", "Müller", "Nguyen", "Rossi", "Kowalski", "Ali"]


class Progress:
    """A one-line progress bar on a terminal; silent otherwise (logs, CI, tests)."""

    def __init__(self, label, total, stream=sys.stderr):
        self.label, self.total, self.stream = label, max(total, 1), stream
        self.enabled = hasattr(stream, "isatty") and stream.isatty()
        self.started = time.monotonic()
        self.last = 0.0

    def update(self, done):
        now = time.monotonic()
        if not self.enabled or (now - self.last < 0.2 and done < self.total):
            return
        self.last = now
        share = done / self.total
        rate = done / max(now - self.started, 1e-9)
        eta = (self.total - done) / rate if rate else 0
        bar = "#" * int(30 * share)
        self.stream.write(
            f"\r{self.label:<12} [{bar:<30}] {done:>9,}/{self.total:,} "
            f"{rate:8,.0f}/s  eta {eta:5.0f}s"
        )
        if done >= self.total:
            self.stream.write("\n")
        self.stream.flush()


def code_name(rng):
    """A made-up drug name, rare enough to make a rare search term."""
    return "".join(rng.choice(SYLLABLES) for _ in range(3)) + rng.choice(SUFFIXES)


class Command(BaseCommand):
    help = "Make N published articles with approved review rounds, quickly (for scale tests)."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, required=True, help="how many articles")
        parser.add_argument(
            "--history-versions",
            type=int,
            default=0,
            help="also make one article with this many saved versions",
        )
        parser.add_argument("--seed", type=int, default=7, help="random seed (7)")
        parser.add_argument("--batch", type=int, default=1000, help="articles per transaction")
        parser.add_argument(
            "--variants", type=int, default=0, help="distinct bodies (default: N/40, 40–2,400)"
        )

    def handle(self, *args, articles, history_versions, seed, batch, variants, **options):
        if articles < 0 or history_versions < 0 or batch < 1:
            raise CommandError("--articles, --history-versions and --batch must be positive.")
        self.rng = random.Random(seed)
        self.copy = connection.vendor == "postgresql"
        if self.copy:
            # A bulk load: losing the last commits in a crash is fine, waiting on each is not.
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit = off")
        started = time.monotonic()
        self.prepare_site()
        start_index = Article.objects.filter(slug__startswith=SLUG_PREFIX).count()
        if articles:
            count = variants or min(max(articles // 40, len(CONDITIONS)), 2400)
            self.make_references(max(300, min(articles // 5, 20_000)))
            self.make_topics()
            self.make_variants(count)
            progress = Progress("articles", articles)
            for first in range(0, articles, batch):
                size = min(batch, articles - first)
                with transaction.atomic():
                    self.make_articles(start_index + first, size)
                progress.update(first + size)
        if history_versions:
            self.make_history_article(history_versions)
        if self.copy:
            self.index_search()
        self.stdout.write(
            f"Made {articles:,} articles"
            + (f" and one with {history_versions:,} versions" if history_versions else "")
            + f" in {time.monotonic() - started:.0f} s."
        )

    # --- the site the articles live in --------------------------------------------------------

    def prepare_site(self):
        """Audiences, users and board from load_demo (idempotent), and who plays which role."""
        if not Audience.objects.exists() or not BoardMember.objects.exists():
            call_command("load_demo", public_demo_passwords=True, stdout=io.StringIO())
        self.audiences = list(Audience.objects.order_by("order", "pk"))
        self.audience_slugs = [audience.slug for audience in self.audiences]
        default = next((a for a in self.audiences if a.is_default), self.audiences[0])
        self.default_audience = default.slug
        self.audience_data = [
            {"slug": a.slug, "name": a.name, "description": a.description} for a in self.audiences
        ]
        self.board = list(BoardMember.objects.select_related("user").filter(active=True))
        user_model = get_user_model()
        board_ids = {member.user_id for member in self.board}
        self.editor = (
            user_model.objects.filter(groups__name="Editors").exclude(pk__in=board_ids).first()
            or user_model.objects.exclude(pk__in=board_ids).order_by("pk").first()
        )
        if not self.board or self.editor is None:
            raise CommandError("Need an editor and a board member: run load_demo first.")
        self.article_type = ContentType.objects.get_for_model(Article)

    def make_references(self, count):
        existing = Reference.objects.filter(key__startswith=REFERENCE_PREFIX).count()
        rows = []
        for index in range(existing, count):
            rng = random.Random(index)
            authors = [
                f"{rng.choice(SURNAMES)} {rng.choice('ABCDEFGHJKLMNPRS')}{rng.choice('ABJKM')}"
                for _ in range(rng.randint(1, 4))
            ]
            rows.append(
                Reference(
                    key=f"{REFERENCE_PREFIX}{index:05d}",
                    kind=rng.choice(REFERENCE_KINDS),
                    title=(
                        f"{rng.choice(INTERVENTIONS).capitalize()} and "
                        f"{rng.choice(OUTCOMES)} in {rng.choice(POPULATIONS)} with "
                        f"{rng.choice(CONDITIONS)}: study {index}"
                    ),
                    authors="\n".join(authors),
                    container=rng.choice(JOURNALS),
                    year=rng.randint(1995, 2025),
                    volume=str(rng.randint(1, 400)),
                    issue=str(rng.randint(1, 12)),
                    pages=f"{rng.randint(1, 900)}-{rng.randint(901, 999)}",
                    doi=f"10.9999/bulk.{index}",
                )
            )
        Reference.objects.bulk_create(rows, batch_size=2000)
        pool = list(Reference.objects.filter(key__startswith=REFERENCE_PREFIX))
        self.references = {reference.key: reference.as_data() for reference in pool}
        self.reference_ids = {reference.key: reference.pk for reference in pool}
        self.reference_keys = sorted(self.references)

    def make_topics(self):
        Topic.objects.bulk_create(
            [
                Topic(slug=f"{SLUG_PREFIX}{i}", name=condition.capitalize())
                for i, condition in enumerate(CONDITIONS)
            ],
            ignore_conflicts=True,
        )
        rows = Topic.objects.filter(slug__startswith=SLUG_PREFIX).values_list("pk", "slug", "name")
        self.topic_info = {pk: (slug, name) for pk, slug, name in rows}
        by_slug = {slug: pk for pk, (slug, _) in self.topic_info.items()}
        # The topic named after each condition, in CONDITIONS order.
        self.condition_topics = [by_slug[f"{SLUG_PREFIX}{i}"] for i in range(len(CONDITIONS))]
        self.topic_ids = sorted(self.topic_info)
        self.topics_by_pk = {
            pk: Topic(pk=pk, slug=slug, name=name) for pk, (slug, name) in self.topic_info.items()
        }

    # --- bodies, each rendered once ---------------------------------------------------------

    def make_variants(self, count):
        """`count` distinct bodies, rendered by render_snapshot; variant v is about condition
        v % len(CONDITIONS)."""
        self.variants = []
        progress = Progress("bodies", count)
        for index in range(count):
            rng = random.Random(10_000 + index)
            condition = CONDITIONS[index % len(CONDITIONS)]
            # 5–40 citations, most articles nearer the low end, as real ones are.
            cited = rng.sample(self.reference_keys, 5 + int(35 * rng.random() ** 2))
            body = self.body(rng, condition, cited)
            evidence = (
                f"Evidence for {condition} comes from {len(cited)} sources; "
                f"its certainty is **{rng.choice(['low', 'moderate', 'high'])}**."
            )
            references = {key: self.references[key] for key in sorted(cited)}
            rendered = render_snapshot(
                {
                    "article": {"body": body, "evidence_note": evidence},
                    "audiences": self.audience_data,
                    "default_audience": self.default_audience,
                    "references": references,
                }
            )
            self.variants.append(
                {
                    "body": body,
                    "evidence_note": evidence,
                    "references": references,
                    "rendered": rendered,
                    "rendered_json": json.dumps(rendered, ensure_ascii=False),
                    "search_body": searchable_body(rendered),
                }
            )
            progress.update(index + 1)

    def body(self, rng, condition, cited):
        """Markdown with headings, citations of every key in `cited` and audience blocks."""
        keys = list(cited)
        rng.shuffle(keys)

        def cite():
            group = [keys.pop() for _ in range(min(len(keys), rng.choice([1, 1, 2, 3])))]
            return " [" + "; ".join(f"@{key}" for key in group) + "]" if group else ""

        intervention, outcome = rng.choice(INTERVENTIONS), rng.choice(OUTCOMES)
        sections = []
        headings = ["What the evidence shows", "Who it helps", "Risks and side effects", "Doses"]
        for heading in rng.sample(headings, rng.randint(2, 4)):
            lines = [f"## {heading}", ""]
            for _ in range(rng.randint(1, 3)):
                lines += [
                    f"In trials of {intervention} for {condition}, {outcome} fell by "
                    f"{rng.randint(5, 45)}% over {rng.randint(6, 60)} months{cite()}. "
                    f"The evidence is {rng.choice(['consistent', 'mixed', 'limited'])} and "
                    f"comes mostly from {rng.choice(POPULATIONS)}{cite()}.",
                    "",
                ]
            lines += [
                f"::: audience {' '.join(self.plain_audiences())}",
                f"Ask your doctor whether {intervention} suits you: it lowered {outcome} in "
                f"about {rng.randint(1, 9)} in 10 people like you{cite()}.",
                ":::",
                "",
                f"::: audience {' '.join(self.expert_audiences())}",
                f"Relative risk reduction {rng.randint(5, 45)}% (95% CI "
                f"{rng.randint(1, 5)}–{rng.randint(46, 60)}%); NNT {rng.randint(5, 80)} over "
                f"{rng.randint(1, 5)} years{cite()}.",
                ":::",
                "",
            ]
            sections.append("\n".join(lines))
        while keys:  # every chosen reference is cited somewhere
            sections.append(f"Further reading on {condition}{cite()}.\n")
        return "\n".join(sections)

    def plain_audiences(self):
        return self.audience_slugs[: max(1, len(self.audience_slugs) // 2)]

    def expert_audiences(self):
        return self.audience_slugs[max(1, len(self.audience_slugs) // 2) :] or self.audience_slugs

    # --- articles and their rounds -----------------------------------------------------------

    def make_articles(self, start, count):
        rng = self.rng
        now = timezone.now()
        drafts = []
        for index in range(start, start + count):
            condition_index = rng.randrange(len(CONDITIONS))
            condition = CONDITIONS[condition_index]
            intervention, population = rng.choice(INTERVENTIONS), rng.choice(POPULATIONS)
            rare = code_name(rng)
            rounds = rng.randint(2, 3)
            variant_numbers = [
                condition_index
                + len(CONDITIONS) * rng.randrange(max(1, len(self.variants) // len(CONDITIONS)))
                for _ in range(rounds)
            ]
            # Early enough that every round was decided before today.
            created = now - timedelta(days=rounds * 430 + rng.randint(30, 1500))
            drafts.append(
                {
                    "slug": slugify(f"{SLUG_PREFIX}{index} {intervention} {condition}")[:190],
                    "title": f"Does {intervention} help {population} with {condition}?",
                    "summary": (
                        f"For {population} with {condition}, {intervention} "
                        f"{rng.choice(['usually helps', 'may help a little', 'does not help'])}. "
                        f"Newer options such as {rare} are still being studied."
                    ),
                    "topics": sorted(
                        {self.condition_topics[condition_index]}
                        | {rng.choice(self.topic_ids) for _ in range(rng.randint(0, 2))}
                    ),
                    "created": created,
                    "variants": [self.variants[v % len(self.variants)] for v in variant_numbers],
                    "interval": rng.choice([6, 12, 12, 24]),
                }
            )
        self.write_articles(drafts)

    def write_articles(self, drafts):
        articles = Article.objects.bulk_create(
            [
                Article(
                    slug=draft["slug"],
                    title=draft["title"],
                    summary=draft["summary"],
                    body=draft["variants"][-1]["body"],
                    evidence_note=draft["variants"][-1]["evidence_note"],
                    created_by=self.editor,
                    review_interval_months=draft["interval"],
                )
                for draft in drafts
            ]
        )
        Article.topics.through.objects.bulk_create(
            [
                Article.topics.through(article_id=article.pk, topic_id=topic_id)
                for article, draft in zip(articles, drafts, strict=True)
                for topic_id in draft["topics"]
            ]
        )
        # One revision per submission, holding the article's text as submitted.
        revisions, versions, rounds = [], [], []
        for article, draft in zip(articles, drafts, strict=True):
            moment = draft["created"]
            for number, variant in enumerate(draft["variants"], start=1):
                moment += timedelta(days=self.rng.randint(60, 400))
                decided = moment + timedelta(days=self.rng.randint(1, 21), hours=3)
                member = self.board[(article.pk + number) % len(self.board)]
                revisions.append(
                    Revision(
                        date_created=moment,
                        user=self.editor,
                        comment=f"Submitted for review (round {number}).",
                    )
                )
                versions.append((article, draft, variant, moment))
                rounds.append((article, draft, variant, number, moment, decided, member))
        revisions = Revision.objects.bulk_create(revisions)
        Version.objects.bulk_create(
            [
                self.version(revision, article, draft, variant, moment)
                for revision, (article, draft, variant, moment) in zip(
                    revisions, versions, strict=True
                )
            ]
        )
        self.write_rounds(
            [(revision, *row) for revision, row in zip(revisions, rounds, strict=True)]
        )
        # Every round is approved: the workflow's own rule marks each article's newest.
        mark_published(ReviewRound.objects.filter(article__in=articles))

    def version(self, revision, article, draft, variant, moment):
        """A reversion Version of the article as it stood, in Django's JSON serializer format."""
        # Every concrete field as the row holds it (so fields added later are kept), then the
        # text as it stood at this save.
        fields = {
            field.name: field.value_from_object(article)
            for field in Article._meta.concrete_fields
            if not field.primary_key
        }
        fields.update(
            title=draft["title"],
            summary=draft["summary"],
            body=variant["body"],
            evidence_note=variant["evidence_note"],
            topics=draft["topics"],
            created_at=draft["created"],
            updated_at=moment,
        )
        data = [{"model": "articles.article", "pk": article.pk, "fields": fields}]
        return Version(
            revision=revision,
            object_id=str(article.pk),
            content_type=self.article_type,
            db="default",
            format="json",
            serialized_data=json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False),
            object_repr=draft["title"][:200],
        )

    def snapshot(self, article, draft, variant):
        """The snapshot the workflow's build_snapshot makes of the article as it was submitted."""
        as_submitted = Article(
            pk=article.pk,
            slug=article.slug,
            title=draft["title"],
            summary=draft["summary"],
            body=variant["body"],
            evidence_note=variant["evidence_note"],
        )
        return build_snapshot(
            as_submitted,
            audiences=self.audiences,
            references=variant["references"],
            topics=[self.topics_by_pk[pk] for pk in draft["topics"]],
        )

    def write_rounds(self, rows):
        rounds, events = [], []
        for revision, article, draft, variant, number, submitted, decided, member in rows:
            snapshot = self.snapshot(article, draft, variant)
            rounds.append(
                {
                    "article_id": article.pk,
                    "number": number,
                    "state": State.APPROVED,
                    "revision_id": revision.pk,
                    "snapshot": json.dumps(snapshot, ensure_ascii=False),
                    "snapshot_dict": snapshot,
                    "rendered": variant["rendered_json"],
                    "rendered_dict": variant["rendered"],
                    "snapshot_sha256": snapshot_digest(snapshot),
                    "note": "Checked every reference again.",
                    "what_changed": f"Round {number}: updated the evidence.",
                    "slug": article.slug,
                    "allow_pending_publication": False,
                    "review_interval_months": draft["interval"],
                    "submitted_by_id": self.editor.pk,
                    "submitted_at": submitted,
                    "reviewer_id": member.user_id,
                    "decided_by_id": member.user_id,
                    "decided_at": decided,
                    "decision_note": "Checked against the sources.",
                    "approver_name": member.display_name,
                    "approver_credentials": member.credentials,
                    "search_body": variant["search_body"],
                    "is_published": False,  # until mark_published applies the workflow's rule
                    # Kept with the round as rows, as submit() does.
                    "topic_ids": draft["topics"],
                    "reference_ids": [self.reference_ids[key] for key in variant["references"]],
                }
            )
        ids = self.insert_rounds(rounds)
        pairs = list(zip(ids, rounds, strict=True))
        ReviewRound.topics.through.objects.bulk_create(
            [
                ReviewRound.topics.through(reviewround_id=round_id, topic_id=topic_id)
                for round_id, row in pairs
                for topic_id in row["topic_ids"]
            ],
            batch_size=5000,
        )
        ReviewRound.cited_references.through.objects.bulk_create(
            [
                ReviewRound.cited_references.through(reviewround_id=round_id, reference_id=pk)
                for round_id, row in pairs
                for pk in row["reference_ids"]
            ],
            batch_size=5000,
        )
        for round_id, row in zip(ids, rounds, strict=True):
            steps = [
                (ReviewEvent.Action.SUBMIT, "", State.SUBMITTED, self.editor.pk, row["note"]),
                (
                    ReviewEvent.Action.START_REVIEW,
                    State.SUBMITTED,
                    State.UNDER_REVIEW,
                    row["reviewer_id"],
                    "",
                ),
                (
                    ReviewEvent.Action.APPROVE,
                    State.UNDER_REVIEW,
                    State.APPROVED,
                    row["decided_by_id"],
                    row["decision_note"],
                ),
            ]
            times = [
                row["submitted_at"],
                row["submitted_at"] + timedelta(hours=2),
                row["decided_at"],
            ]
            for (action, from_state, to_state, actor, note), moment in zip(
                steps, times, strict=True
            ):
                events.append((round_id, action, from_state, to_state, actor, note, moment))
        self.insert_events(events)

    ROUND_COLUMNS = [
        "id", "article_id", "number", "state", "revision_id", "snapshot", "rendered",
        "snapshot_sha256", "note", "submitted_by_id", "submitted_at", "reviewer_id",
        "decided_by_id", "decided_at", "decision_note", "approver_name", "approver_credentials",
        "search_body", "is_published", "what_changed", "slug", "allow_pending_publication",
        "review_interval_months",
    ]  # fmt: skip

    def insert_rounds(self, rounds):
        """Insert the rounds and return their ids, in order."""
        if self.copy:
            columns = ", ".join(self.ROUND_COLUMNS)
            with connection.cursor() as cursor:
                # COPY returns no ids: take them from the sequence first.
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence('reviews_reviewround', 'id')) "
                    "FROM generate_series(1, %s)",
                    [len(rounds)],
                )
                ids = [row[0] for row in cursor.fetchall()]
                with cursor.cursor.copy(f"COPY reviews_reviewround ({columns}) FROM STDIN") as copy:
                    for round_id, row in zip(ids, rounds, strict=True):
                        copy.write_row(
                            [round_id, *(row[column] for column in self.ROUND_COLUMNS[1:])]
                        )
            return ids
        created = ReviewRound.objects.bulk_create(
            [
                ReviewRound(
                    **{
                        column: row[column]
                        for column in self.ROUND_COLUMNS[1:]
                        if column not in {"snapshot", "rendered"}
                    },
                    snapshot=row["snapshot_dict"],
                    rendered=row["rendered_dict"],
                )
                for row in rounds
            ]
        )
        return [review_round.pk for review_round in created]

    def insert_events(self, events):
        if self.copy:
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(
                    "COPY reviews_reviewevent "
                    "(round_id, action, from_state, to_state, actor_id, note, created_at) "
                    "FROM STDIN"
                ) as copy,
            ):
                for event in events:
                    copy.write_row(event)
            return
        ReviewEvent.objects.bulk_create(
            [
                ReviewEvent(
                    round_id=round_id,
                    action=action,
                    from_state=from_state,
                    to_state=to_state,
                    actor_id=actor,
                    note=note,
                    created_at=moment,
                )
                for round_id, action, from_state, to_state, actor, note, moment in events
            ]
        )

    # --- one article with a long history -----------------------------------------------------

    def make_history_article(self, count):
        """One published article whose draft was saved `count` times (one revision each)."""
        if Article.objects.filter(slug=HISTORY_SLUG).exists():
            return
        if not getattr(self, "variants", None):
            self.make_references(300)
            self.make_topics()
            self.make_variants(len(CONDITIONS))
        # The round holds the text of the last save, rendered like any submission.
        final_body = self.variants[0]["body"] + f"\nEdit number {count}.\n"
        rendered = render_snapshot(
            {
                "article": {"body": final_body, "evidence_note": self.variants[0]["evidence_note"]},
                "audiences": self.audience_data,
                "default_audience": self.default_audience,
                "references": self.variants[0]["references"],
            }
        )
        variant = dict(
            self.variants[0],
            body=final_body,
            rendered=rendered,
            rendered_json=json.dumps(rendered, ensure_ascii=False),
            search_body=searchable_body(rendered),
        )
        start = timezone.now() - timedelta(days=count)
        draft = {
            "slug": HISTORY_SLUG,
            "title": "Does regular exercise help adults over 65 with osteoporosis?",
            "summary": "Usually yes: it lowers falls and fractures, with few risks.",
            "topics": [self.condition_topics[0]],
            "created": start,
            "variants": [variant],
            "interval": 12,
        }
        with transaction.atomic():
            (article,) = Article.objects.bulk_create(
                [
                    Article(
                        slug=HISTORY_SLUG,
                        title=draft["title"],
                        summary=draft["summary"],
                        body=variant["body"],
                        evidence_note=variant["evidence_note"],
                        created_by=self.editor,
                    )
                ]
            )
            article.topics.set(draft["topics"])
            moments = [start + timedelta(hours=12 * i) for i in range(count)]
            revisions = Revision.objects.bulk_create(
                [
                    Revision(date_created=moment, user=self.editor, comment=f"Edit {i + 1}.")
                    for i, moment in enumerate(moments)
                ]
            )
            versions = []
            for i, (revision, moment) in enumerate(zip(revisions, moments, strict=True)):
                # Each save changes one sentence, as an editor's saves do.
                edited = dict(variant, body=self.variants[0]["body"] + f"\nEdit number {i + 1}.\n")
                versions.append(self.version(revision, article, draft, edited, moment))
            Version.objects.bulk_create(versions, batch_size=500)
            submitted = moments[-1] + timedelta(hours=1)
            member = self.board[0]
            self.write_rounds(
                [
                    (
                        revisions[-1],
                        article,
                        draft,
                        variant,
                        1,
                        submitted,
                        submitted + timedelta(days=2),
                        member,
                    )
                ]
            )
            mark_published(ReviewRound.objects.filter(article=article))

    # --- search ------------------------------------------------------------------------------

    def index_search(self):
        """Write every missing search_vector in one UPDATE, through reviews.search.index_rounds.

        For a large load the GIN index is dropped and rebuilt in the same transaction (building
        it once is much faster than updating it row by row); the definition is the migration's.
        """
        self.stdout.write("Indexing search vectors…")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM reviews_reviewround WHERE search_vector IS NULL")
            missing = cursor.fetchone()[0]
            rebuild = missing > 20_000
            if rebuild:
                cursor.execute("DROP INDEX IF EXISTS reviewround_search_vector_gin")
            index_rounds(ReviewRound.objects.filter(search_vector__isnull=True))
            if rebuild:
                cursor.execute(
                    "CREATE INDEX reviewround_search_vector_gin ON reviews_reviewround "
                    "USING gin (search_vector) WHERE is_published"
                )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
