"""Retracted references in articles: which rounds cite them, which published articles the board
must look at again, and marking retractions with the board told once per article.

A round "cites" a reference when its frozen snapshot holds it (the snapshot holds exactly the
references its body cites). A published article **needs re-review** when its published round
cites a reference that is retracted now but was not when the round was frozen: the board
approved it without knowing. A round frozen with the reference already retracted was approved
knowing it, and is not listed again.
"""

from dataclasses import dataclass

from django.db import transaction

from references.citations import citation_lines
from references.models import Reference
from references.retractions import references_mark_retracted
from reviews import notifications
from reviews.models import RetractionAlert, ReviewRound
from reviews.signals import published_changed


@dataclass(frozen=True)
class RetractedCitation:
    """A retracted reference one text cites, with the lines its citations start on."""

    key: str
    title: str
    notice_doi: str
    date: str  # ISO date of the notice, or ""
    lines: tuple[int, ...]
    known_when_frozen: bool = True  # False: retracted only since the round was frozen

    @property
    def message(self):
        when = f" on {self.date}" if self.date else ""
        notice = f" (notice doi:{self.notice_doi})" if self.notice_doi else ""
        since = "" if self.known_when_frozen else ", since this round was submitted"
        return f"[@{self.key}] “{self.title}” was retracted{when}{notice}{since}."


@dataclass(frozen=True)
class NeedsReReview:
    """A published article whose round cites references retracted since it was frozen."""

    article_id: int
    round_id: int
    round_number: int
    title: str  # as published
    slug: str
    references: tuple[RetractedCitation, ...]


def retracted_citations(body, references):
    """Each retracted reference in `references` (key -> data, as Reference.as_data() gives or
    a snapshot froze) that `body` cites, in order of first line. Pure."""
    found = []
    for key, lines in citation_lines(body).items():
        data = references.get(key)
        if data and data.get("retracted") is True:
            found.append(
                RetractedCitation(
                    key=key,
                    title=data.get("title", ""),
                    notice_doi=data.get("retraction_doi", ""),
                    date=data.get("retraction_date", ""),
                    lines=tuple(lines),
                )
            )
    return found


def retracted_in_round(review_round):
    """The retracted references a round cites: those its snapshot froze as retracted and those
    the library marks retracted since. One query."""
    snapshot = review_round.snapshot
    references = dict(snapshot["references"])
    live = {
        reference.key: reference.as_data()
        for reference in Reference.objects.filter(key__in=list(references), retracted=True)
    }
    frozen_retracted = {key for key, data in references.items() if data.get("retracted") is True}
    references.update(live)
    return [
        RetractedCitation(**{**vars(item), "known_when_frozen": item.key in frozen_retracted})
        for item in retracted_citations(snapshot["article"]["body"], references)
    ]


def needs_rereview(*, keys=None):
    """Published articles that cite a reference retracted since their round was frozen, by
    title; `keys` limits the references looked at. Two queries."""
    retracted = Reference.objects.filter(retracted=True)
    if keys is not None:
        retracted = retracted.filter(key__in=list(keys))
    live = {reference.key: reference.as_data() for reference in retracted}
    if not live:
        return []
    rounds = (
        ReviewRound.objects.published()
        .filter(snapshot__references__has_any_keys=list(live))
        .defer("rendered", "search_body", "search_vector")
        .order_by("pk")
    )
    listed = []
    for review_round in rounds:
        frozen = review_round.snapshot["references"]
        newly = {
            key: data
            for key, data in live.items()
            if key in frozen and frozen[key].get("retracted") is not True
        }
        citations = retracted_citations(review_round.snapshot["article"]["body"], newly)
        if citations:
            listed.append(
                NeedsReReview(
                    article_id=review_round.article_id,
                    round_id=review_round.pk,
                    round_number=review_round.number,
                    title=review_round.snapshot["article"]["title"],
                    slug=review_round.slug,
                    references=tuple(
                        RetractedCitation(**{**vars(item), "known_when_frozen": False})
                        for item in citations
                    ),
                )
            )
    return sorted(listed, key=lambda item: (item.title.lower(), item.article_id))


def retraction_changed(reference):
    """Make the cached pages of every published article citing `reference` stale, after its
    retraction was set or cleared by hand: their "Retracted" label is read from the library."""
    slugs = list(
        ReviewRound.objects.published()
        .filter(snapshot__references__has_key=reference.key)
        .values_list("slug", flat=True)
    )
    if slugs:
        published_changed.send(sender=Reference, slugs=slugs)


def retractions_mark(*, notices, source, user=None, dry_run=False):
    """Mark the references the notices name retracted (references_mark_retracted), and in the
    same transaction record an alert for every published article that now needs re-review
    because of them, unless one was recorded before for that article and reference.

    After the commit the board gets one e-mail per article alerted, listing its references,
    and the article's cached pages go stale (their "Retracted" labels change). With `dry_run`
    nothing is written or sent. Returns (marked, alerted articles as NeedsReReview).
    Database errors propagate, and then nothing is saved.
    """
    with transaction.atomic():
        marked = references_mark_retracted(
            notices=notices, source=source, user=user, dry_run=dry_run
        )
        keys = [item.key for item in marked]
        if dry_run or not keys:
            return marked, []
        references = dict(Reference.objects.filter(key__in=keys).values_list("key", "pk"))
        told = set(
            RetractionAlert.objects.filter(reference_id__in=references.values()).values_list(
                "article_id", "reference_id"
            )
        )
        alerted = []
        for item in needs_rereview(keys=keys):
            new = [
                citation
                for citation in item.references
                if (item.article_id, references[citation.key]) not in told
            ]
            if not new:
                continue
            RetractionAlert.objects.bulk_create(
                RetractionAlert(
                    article_id=item.article_id,
                    reference_id=references[citation.key],
                    round_id=item.round_id,
                )
                for citation in new
            )
            alerted.append(NeedsReReview(**{**vars(item), "references": tuple(new)}))
        slugs = list(
            ReviewRound.objects.published()
            .filter(snapshot__references__has_any_keys=keys)
            .values_list("slug", flat=True)
        )
        if slugs:
            published_changed.send(sender=ReviewRound, slugs=slugs)
        for item in alerted:
            transaction.on_commit(lambda item=item: notifications.article_cites_retracted(item))
    return marked, alerted
