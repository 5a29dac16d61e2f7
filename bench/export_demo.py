"""Print the demo article's published text as JSON, for the Wagtail peer to serve the same words.

Run with Vetted's settings (bench/bench.py does): the default audience's frozen HTML.
"""

import json
import sys

import django

DEMO_SLUG = "vitamin-d-and-k2-for-osteoporosis"


def main():
    django.setup()
    from reviews.models import ReviewRound

    review_round = ReviewRound.objects.published().get(article__slug=DEMO_SLUG)
    snapshot = review_round.snapshot
    content = review_round.rendered_for(snapshot["default_audience"])
    json.dump(
        {
            "slug": DEMO_SLUG,
            "title": snapshot["article"]["title"],
            "summary": snapshot["article"]["summary"],
            "body_html": content["body_html"],
            "references_html": content["references_html"],
            "evidence_html": content["evidence_html"],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
