"""`manage.py load_demo`: the demo article, its references, audiences, disclaimers, board and users.

Running it again changes nothing. The demo article goes through the real workflow: the editor
submits it and a board member reviews and approves it.
"""

import json
from pathlib import Path

import reversion
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from articles.models import Article, Audience, Disclaimer, SitePage, Topic
from references.models import Reference
from reviews import workflow
from reviews.models import BoardMember
from reviews.roles import ADVISORY_BOARD, EDITORS

DEMO_DIR = Path(__file__).resolve().parents[3] / "articles" / "demo"
# Demo passwords are public on purpose: these accounts exist only to try Vetted out.
DEMO_PASSWORDS = {"admin": "vetted-admin", "editor": "vetted-editor", "board": "vetted-board"}


class Command(BaseCommand):
    help = (
        "Load the demo article, references, audiences, disclaimers, board and users (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--public-demo-passwords",
            action="store_true",
            help=(
                "create the demo accounts even with DEBUG off; their passwords are printed "
                "here and published in the README, so never use this on a public site"
            ),
        )

    def handle(self, *args, public_demo_passwords=False, **options):
        if not settings.DEBUG and not public_demo_passwords:
            raise CommandError(
                "DEBUG is off: load_demo would create accounts whose passwords are public. "
                "Pass --public-demo-passwords to do it anyway, never on a public site."
            )
        try:
            demo = json.loads((DEMO_DIR / "demo.json").read_text(encoding="utf-8"))
            body = (DEMO_DIR / f"{demo['article']['slug']}.md").read_text(encoding="utf-8")
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(f"Cannot read the demo content in {DEMO_DIR}: {error}") from error
        self.check_database()

        with transaction.atomic():
            logins = self.load_users(demo)
            editor = get_user_model().objects.get(username=demo["editor"]["username"])
            audiences = self.load_audiences(demo["audiences"])
            self.load_disclaimers(demo["disclaimers"], audiences)
            self.load_policy(demo["editorial_policy"], editor)
            self.load_references(demo["references"], editor)
            article = self.load_article(demo["article"], body, editor)
        if not article.review_rounds.exists():
            board_user = get_user_model().objects.get(username=demo["board_members"][0]["username"])
            review_round = workflow.submit(
                article,
                by=editor,
                note=demo["article"]["note_for_board"],
                what_changed=demo["article"]["what_changed"],
            )
            workflow.start_review(review_round, by=board_user)
            workflow.approve(
                review_round, by=board_user, note="Checked doses and citations against sources."
            )
            self.stdout.write(f"Demo article submitted by {editor} and approved by {board_user}.")
        else:
            self.stdout.write("Demo content is already loaded; nothing changed.")

        self.stdout.write("Demo logins (user / password):")
        for username, password, role in logins:
            self.stdout.write(f"  {username:<12} {password:<16} {role}")

    def check_database(self):
        """Stop with one clear line, not a traceback, when the database is down or unmigrated."""
        try:
            executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
            unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError as error:
            # Drivers spread one failure over several lines; the command prints one.
            reason = " ".join(str(error).split())
            raise CommandError(f"Cannot reach the database: {reason}") from error
        if unapplied:
            raise CommandError(
                f"The database lacks {len(unapplied)} migration(s): "
                "run `manage.py migrate` first, then load_demo."
            )

    def load_users(self, demo):
        User = get_user_model()
        editors, board = Group.objects.get(name=EDITORS), Group.objects.get(name=ADVISORY_BOARD)
        logins = []

        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={"email": "admin@example.org", "is_staff": True, "is_superuser": True},
        )
        if created:
            admin.set_password(DEMO_PASSWORDS["admin"])
            admin.save()
        logins.append(("admin", DEMO_PASSWORDS["admin"], "site admin (superuser)"))

        data = demo["editor"]
        editor = self.demo_user(User, data, DEMO_PASSWORDS["editor"], editors)
        logins.append((editor.username, DEMO_PASSWORDS["editor"], "editor"))

        for order, data in enumerate(demo["board_members"], start=1):
            profile_fields = ("display_name", "credentials", "specialty", "bio", "conflicts")
            user = self.demo_user(User, data, DEMO_PASSWORDS["board"], board)
            BoardMember.objects.get_or_create(
                user=user,
                defaults={"order": order, **{field: data[field] for field in profile_fields}},
            )
            logins.append((user.username, DEMO_PASSWORDS["board"], "advisory board"))
        return logins

    def demo_user(self, User, data, password, group):
        user, created = User.objects.get_or_create(
            username=data["username"],
            defaults={
                "first_name": data["first_name"],
                "last_name": data["last_name"],
                "email": data["email"],
                "is_staff": True,
            },
        )
        if created:
            user.set_password(password)
            user.save()
            user.groups.add(group)
        return user

    def load_audiences(self, rows):
        audiences = {}
        has_default = Audience.objects.filter(is_default=True).exists()
        for row in rows:
            is_default = row["is_default"] and not has_default
            audiences[row["slug"]], _ = Audience.objects.get_or_create(
                slug=row["slug"],
                defaults={
                    "name": row["name"],
                    "description": row["description"],
                    "order": row["order"],
                    "is_default": is_default,
                },
            )
        return audiences

    def load_disclaimers(self, rows, audiences):
        for row in rows:
            name = f"Demo: {row['placement']} / {row['visibility']} / {row['audience'] or 'all'}"
            disclaimer, created = Disclaimer.objects.get_or_create(
                name=name,
                defaults={
                    "placement": row["placement"],
                    "visibility": row["visibility"],
                    "body": row["body"],
                    "order": row["order"],
                },
            )
            if created:
                excluded = set(row.get("exclude_audiences", []))
                if row["audience"]:
                    disclaimer.audiences.set([audiences[row["audience"]]])
                elif excluded:
                    disclaimer.audiences.set(
                        [audience for slug, audience in audiences.items() if slug not in excluded]
                    )

    def load_policy(self, data, editor):
        if SitePage.objects.filter(slug=SitePage.EDITORIAL_POLICY).exists():
            return
        with reversion.create_revision():
            reversion.set_user(editor)
            reversion.set_comment("Loaded by load_demo.")
            SitePage.objects.create(
                slug=SitePage.EDITORIAL_POLICY, title=data["title"], body=data["body"]
            )

    def load_references(self, rows, editor):
        fields = ("kind", "title", "container", "year", "volume", "issue", "pages", "doi", "pmid")
        with reversion.create_revision():
            reversion.set_user(editor)
            reversion.set_comment("Loaded by load_demo.")
            for row in rows:
                Reference.objects.get_or_create(
                    key=row["key"],
                    defaults={
                        "authors": "\n".join(row.get("authors", [])),
                        "url": row.get("url", ""),
                        **{field: row[field] for field in fields},
                    },
                )

    def load_article(self, data, body, editor):
        existing = Article.objects.filter(slug=data["slug"]).first()
        if existing:
            return existing
        with reversion.create_revision():
            reversion.set_user(editor)
            reversion.set_comment("First draft, loaded by load_demo.")
            article = Article.objects.create(
                slug=data["slug"],
                title=data["title"],
                summary=data["summary"],
                body=body,
                evidence_note=data["evidence_note"],
                created_by=editor,
            )
            for topic in data["topics"]:
                topic_row, _ = Topic.objects.get_or_create(
                    slug=topic["slug"], defaults={"name": topic["name"]}
                )
                article.topics.add(topic_row)
        return article
