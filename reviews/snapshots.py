"""Freezing an article into a review snapshot, and rendering a snapshot into HTML.

`render_snapshot` and `snapshot_digest` are pure: they read only the snapshot dict, so a round
can always be re-rendered or verified from what it froze.
"""

import hashlib
import json

from articles.rendering import render, render_markdown
from references.citations import render_reference_list

SNAPSHOT_VERSION = 1


def build_snapshot(article, *, audiences, references, body=None, topics=None):
    """The immutable JSON-ready record of what is submitted (`body` and `topics` in place of
    the article's own, when given).

    `audiences` are Audience rows in display order; `references` maps key → reference data for
    every key the body cites.
    """
    default = next((audience for audience in audiences if audience.is_default), audiences[0])
    return {
        "version": SNAPSHOT_VERSION,
        "article": {
            "id": article.pk,
            "slug": article.slug,
            "title": article.title,
            "summary": article.summary,
            "body": article.body if body is None else body,
            "evidence_note": article.evidence_note,
            "topics": [
                {"slug": topic.slug, "name": topic.name}
                for topic in (article.topics.all() if topics is None else topics)
            ],
        },
        "audiences": [
            {"slug": audience.slug, "name": audience.name, "description": audience.description}
            for audience in audiences
        ],
        "default_audience": default.slug,
        "references": {key: references[key] for key in sorted(references)},
    }


def render_snapshot(snapshot):
    """HTML for every audience of a snapshot: body, numbered references and evidence note."""
    slugs = [audience["slug"] for audience in snapshot["audiences"]]
    body = snapshot["article"]["body"]
    evidence_html = render_markdown(snapshot["article"]["evidence_note"])
    rendered = {}
    for slug in slugs:
        result = render(body, audience=slug, audiences=slugs, references=snapshot["references"])
        rendered[slug] = {
            "body_html": result.html,
            "references_html": render_reference_list(
                result.cited_keys, snapshot["references"], result.citation_counts
            ),
            "cited_keys": list(result.cited_keys),
            "evidence_html": evidence_html,
        }
    return {"audiences": rendered, "default_audience": snapshot["default_audience"]}


def snapshot_digest(snapshot):
    """SHA-256 of the snapshot's canonical JSON: the same content always gives the same digest."""
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
