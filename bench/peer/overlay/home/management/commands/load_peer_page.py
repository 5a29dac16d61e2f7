"""`manage.py load_peer_page FILE.json`: publish the demo article as a page under the home page."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand
from home.models import HomePage


class Command(BaseCommand):
    help = "Create or update the demo article page from the JSON the benchmark exported."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        home = HomePage.objects.get(depth=2)
        page = HomePage.objects.child_of(home).filter(slug=data["slug"]).first()
        fields = {
            "title": data["title"],
            "summary": data["summary"],
            "body": data["body_html"],
            "references": data["references_html"],
            "evidence_note": data["evidence_html"],
        }
        if page is None:
            page = home.add_child(instance=HomePage(slug=data["slug"], **fields))
        else:
            for name, value in fields.items():
                setattr(page, name, value)
        page.save_revision().publish()
        self.stdout.write(page.url)
