"""The admin index's "who is doing what": sections of counts, each count a link to the list
that holds what it counts.

A section is built by a function of the user that returns a Section, or None when it has
nothing for them; add a builder to SECTIONS to add a section.
"""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.urls import reverse

from reviews import comments
from reviews.models import ReviewRound, State
from reviews.workflow import DECIDE_PERMISSION, SUBMIT_PERMISSION


@dataclass(frozen=True)
class Item:
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class Section:
    title: str
    items: list = field(default_factory=list)
    slug: str = ""


def queue_url(queue):
    return f"{reverse('admin:reviews_reviewround_changelist')}?queue={queue}"


def changes_requested_of(user):
    """Rounds `user` submitted that the board sent back, where no newer round exists yet."""
    newer = ReviewRound.objects.filter(article=OuterRef("article"), number__gt=OuterRef("number"))
    return ReviewRound.objects.filter(state=State.CHANGES_REQUESTED, submitted_by=user).exclude(
        Exists(newer)
    )


def rounds_with_comments_for(user):
    """Rounds holding comment threads waiting for `user`'s answer."""
    return ReviewRound.objects.filter(pk__in=comments.waiting_for_answer(user).values("round_id"))


def review_work(user):
    """The review queue as it concerns `user`: what waits for a reviewer, what they review,
    what came back to them, and which comments wait for their answer."""
    if not user.has_perm("reviews.view_reviewround"):
        return None
    items = [
        Item(
            "Waiting for a reviewer",
            ReviewRound.objects.filter(state=State.SUBMITTED).count(),
            queue_url("waiting"),
        )
    ]
    if user.has_perm(DECIDE_PERMISSION):
        items.append(
            Item(
                "I am reviewing",
                ReviewRound.objects.filter(state=State.UNDER_REVIEW, reviewer=user).count(),
                queue_url("mine"),
            )
        )
    if user.has_perm(SUBMIT_PERMISSION):
        items.append(
            Item(
                "Changes requested on my articles",
                changes_requested_of(user).count(),
                queue_url("my_changes"),
            )
        )
    if user.has_perm("reviews.view_reviewcomment"):
        items.append(
            Item(
                "Comments waiting for my answer",
                comments.waiting_for_answer(user).count(),
                queue_url("answer"),
            )
        )
    return Section("Who is doing what", items, slug="review-work")


SECTIONS = [review_work]


def sections(user):
    """The dashboard's sections for `user`, in order, leaving out those with nothing for them."""
    return [section for build in SECTIONS if (section := build(user)) is not None]
