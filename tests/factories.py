"""factory_boy factories, with traits for roles and review states."""

import factory
import reversion
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from articles.models import Article, Audience, Disclaimer, Topic
from references.models import Reference
from reviews import workflow
from reviews.models import BoardMember
from reviews.roles import ADVISORY_BOARD, EDITORS

STANDARD_AUDIENCES = [
    ("patient", "Patient"),
    ("caregiver", "Caregiver"),
    ("student", "Student"),
    ("clinician", "Clinician"),
]


def standard_audiences():
    """The four audiences of a fresh site, patient first and the default."""
    return [
        Audience.objects.get_or_create(
            slug=slug, defaults={"name": name, "order": order, "is_default": order == 0}
        )[0]
        for order, (slug, name) in enumerate(STANDARD_AUDIENCES)
    ]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    password = factory.django.Password("correct-horse-battery")
    is_staff = False

    class Params:
        superuser = factory.Trait(is_staff=True, is_superuser=True)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for name in extracted or []:
            self.groups.add(Group.objects.get(name=name))


class EditorFactory(UserFactory):
    is_staff = True
    groups = factory.PostGeneration(
        lambda user, create, extracted, **kwargs: user.groups.add(Group.objects.get(name=EDITORS))
    )


class BoardUserFactory(UserFactory):
    is_staff = True
    groups = factory.PostGeneration(
        lambda user, create, extracted, **kwargs: user.groups.add(
            Group.objects.get(name=ADVISORY_BOARD)
        )
    )


class ReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reference

    key = factory.Sequence(lambda n: f"ref-{n}")
    kind = Reference.Kind.RESEARCH
    title = factory.Sequence(lambda n: f"A study of bone health, part {n}")
    authors = "Smith JA\nJones B"
    container = "Journal of Bone Studies"
    year = 2020


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"topic-{n}")
    name = factory.Sequence(lambda n: f"Topic {n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    """An article saved the way the admin saves one: inside a revision by its creator."""

    class Meta:
        model = Article

    slug = factory.Sequence(lambda n: f"article-{n}")
    title = factory.Sequence(lambda n: f"Does treatment {n} help adults with osteoporosis?")
    summary = "Usually yes, for most adults, with some caveats."
    body = "Calcium matters for bone.\n"
    evidence_note = "Moderate-quality evidence."
    created_by = factory.SubFactory(EditorFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with reversion.create_revision():
            article = super()._create(model_class, *args, **kwargs)
            reversion.set_user(article.created_by)
            reversion.set_comment("Created by a test factory.")
        return article


class DisclaimerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Disclaimer

    name = factory.Sequence(lambda n: f"Disclaimer {n}")
    body = "Educational only."


class BoardMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BoardMember
        django_get_or_create = ["user"]

    user = factory.SubFactory(BoardUserFactory)
    display_name = factory.LazyAttribute(lambda member: f"Dr {member.user.last_name}")
    credentials = "MD, PhD"
    specialty = "Endocrinology"
    bio = "Reviews bone-health articles."


def save_as(user, article, **changes):
    """Change and save `article` as every write path does: in a revision naming `user`."""
    for name, value in changes.items():
        setattr(article, name, value)
    with reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment(f"Edited by {user.get_username()}.")
        article.save()
    return article


def approve(article, *, editor, board_member, note="", what_changed=""):
    """Submit `article`'s saved text, start its review and approve it; return the round."""
    review_round = workflow.submit(article, by=editor, note=note, what_changed=what_changed)
    workflow.start_review(review_round, by=board_member)
    return workflow.approve(review_round, by=board_member)


def submit_pending(article, *, editor, board_member, **changes):
    """Have the board approve pending publication for `article` (an approved round with the
    setting on), then save `changes` and submit them: the open round readers now see, marked
    pending review. Returns the open round."""
    save_as(editor, article, allow_pending_publication=True)
    approve(article, editor=editor, board_member=board_member)
    save_as(editor, article, **(changes or {"summary": article.summary + " Updated."}))
    return workflow.submit(article, by=editor)
