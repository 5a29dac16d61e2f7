"""`python -m bench.scale --articles N`: Vetted's pages and search with N published articles.

Makes a PostgreSQL database (vetted_bench_scale_…), migrates it, runs `manage.py seed_bulk
--articles N --history-versions 1000`, then times the pages in-process through Django's test
client with production settings (DEBUG off, cache off so every page does its real work) and
counts each page's queries. Prints p50/p95 per page with its target; drops the database after
(unless --keep, or --database names an existing one to reuse).
"""

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import lib

SEARCH_P95_TARGET_MS = 50
HISTORY_TARGET_MS = 300


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--history-versions", type=int, default=1000)
    parser.add_argument("--database", help="reuse this already seeded database (not dropped)")
    parser.add_argument("--keep", action="store_true", help="keep the database it makes")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each URL (5)")
    return parser.parse_args()


def environment(database_url):
    os.environ.update(
        PYTHONPATH=str(lib.ROOT),
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="0",
        SECRET_KEY=lib.secret_key(),
        ALLOWED_HOSTS="testserver,127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=database_url,
        CACHE_URL="dummy://",
        EMAIL_URL="locmem://",
        LOG_LEVEL="ERROR",
    )


def seed(args):
    for words in (
        ["migrate", "--noinput", "-v0"],
        [
            "seed_bulk",
            "--articles",
            str(args.articles),
            "--history-versions",
            str(args.history_versions),
        ],
    ):
        started = time.monotonic()
        subprocess.run(
            [str(lib.VENV_PYTHON), "manage.py", *words], cwd=lib.ROOT, check=True, timeout=7200
        )
        lib.log(f"manage.py {words[0]}: {time.monotonic() - started:.0f} s")


class Timer:
    """Times URLs through the test client: a first call counts queries, then `repeat` timed."""

    def __init__(self, client, repeat):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.client, self.repeat = client, repeat
        self.capture = lambda: CaptureQueriesContext(connection)
        self.rows = []

    def measure(self, label, urls, target_ms=None, note=""):
        timings, queries = [], set()
        for url in urls:
            with self.capture() as captured:
                response = self.client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            queries.add(len(captured.captured_queries))
            for _ in range(self.repeat):
                started = time.perf_counter()
                response = self.client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
        p95 = lib.percentile(timings, 0.95)
        verdict = "" if target_ms is None else ("met" if p95 <= target_ms else "NOT MET")
        row = {
            "page": label,
            "urls": len(urls),
            "requests": len(timings),
            "queries": "/".join(map(str, sorted(queries))),
            "p50_ms": lib.percentile(timings, 0.5),
            "p95_ms": p95,
            "target": f"p95 ≤ {target_ms} ms" if target_ms else "",
            "verdict": verdict,
            "note": note,
        }
        self.rows.append(row)
        lib.log(
            f"{label:<34} queries {row['queries']:<6} p50 {row['p50_ms']:8.1f} ms  "
            f"p95 {p95:8.1f} ms {verdict}"
        )
        return row


def search_terms(rng):
    """Common, middling and rare words, drawn from what seed_bulk writes."""
    from articles.models import Article

    summaries = list(
        Article.objects.filter(slug__startswith="bulk-")
        .order_by("?")
        .values_list("summary", flat=True)[:8]
    )
    # The last word of each summary's second sentence is a made-up drug name: rare.
    rare = [
        summary.split("such as ")[1].split()[0] for summary in summaries if "such as" in summary
    ]
    return {
        "common (in every body)": ["evidence", "trials", "risk reduction"],
        "middling (one condition)": ["osteoporosis", "migraine", "gout"],
        "rare (a few articles)": rare[:6],
        "absent": ["zzyzxqwv"],
    }


def measure(args, database_url):
    import warnings

    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings

    # Pages are timed in-process, where static files are never served: skip the manifest (as
    # the test suite does) instead of running collectstatic first.
    warnings.filterwarnings("ignore", message="No directory at")
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from reversion.models import Version

    from articles.models import Article, Topic

    rng = random.Random(1)
    client = Client()
    timer = Timer(client, args.repeat)
    articles = list(
        Article.objects.filter(slug__startswith="bulk-")
        .exclude(slug="bulk-history-article")
        .order_by("?")
        .values_list("slug", flat=True)[:20]
    )
    total = Article.objects.count()
    lib.log(f"{total:,} articles in the database")

    for label, terms in search_terms(rng).items():
        timer.measure(
            f"search: {label}",
            [f"/search/?q={term}" for term in terms],
            target_ms=SEARCH_P95_TARGET_MS,
        )
    timer.measure(
        "article page (renders, cache off)",
        [f"/articles/{slug}/?audience={rng.choice(['patient', 'clinician'])}" for slug in articles],
    )
    timer.measure("home", ["/"])
    topics = list(Topic.objects.filter(slug__startswith="bulk-").values_list("slug", flat=True))
    timer.measure("topic page", [f"/topics/{slug}/" for slug in rng.sample(topics, 5)])

    admin = get_user_model().objects.filter(is_superuser=True).first()
    client.force_login(admin)
    timer.measure("admin: article list", ["/admin/articles/article/"])
    timer.measure("admin: review queue (awaiting)", ["/admin/reviews/reviewround/"])
    timer.measure("admin: all rounds", ["/admin/reviews/reviewround/?queue=all"])
    history = Article.objects.get(slug="bulk-history-article")
    versions = list(
        Version.objects.get_for_object(history).order_by("pk").values_list("pk", flat=True)
    )
    lib.log(f"history article: {len(versions):,} versions")
    timer.measure(
        f"admin: history ({len(versions):,} versions)",
        [f"/admin/articles/article/{history.pk}/history/"],
        target_ms=HISTORY_TARGET_MS,
    )
    timer.measure(
        "admin: compare first and last version",
        [
            f"/admin/articles/article/{history.pk}/compare/?from={versions[0]}&to={versions[-1]}",
            f"/admin/articles/article/{history.pk}/compare/?from={versions[-2]}&to={versions[-1]}",
        ],
        target_ms=HISTORY_TARGET_MS,
    )
    return total, timer.rows


def main():
    args = parse_args()
    if not lib.postgres_answers():
        sys.exit("PostgreSQL does not answer at 127.0.0.1:5432.")
    name = args.database
    created = False
    started = time.monotonic()
    try:
        if name:
            database_url = f"{lib.PG_URL}/{name}"
            environment(database_url)
            # The code may have gained migrations since the database was seeded.
            subprocess.run(
                [str(lib.VENV_PYTHON), "manage.py", "migrate", "--noinput", "-v0"],
                cwd=lib.ROOT,
                check=True,
                timeout=1800,
            )
        else:
            name = lib.new_database_name("scale")
            database_url = lib.create_database(name)
            created = True
            environment(database_url)
            seed(args)
        total, rows = measure(args, database_url)
        headers = ["page", "queries", "p50 ms", "p95 ms", "target", "verdict"]
        print(f"\n# Vetted at scale: {total:,} articles\n")
        print(f"Machine: {lib.machine_description()}")
        print(f"In-process (Django test client), DEBUG off, cache off, {args.repeat} runs a URL.\n")
        print(
            lib.table(
                headers,
                [
                    [
                        r["page"],
                        r["queries"],
                        lib.fmt(r["p50_ms"]),
                        lib.fmt(r["p95_ms"]),
                        r["target"],
                        r["verdict"],
                    ]
                    for r in rows
                ],
            )
        )
        print(f"\nWhole run: {time.monotonic() - started:.0f} s")
        stamp = time.strftime("%Y%m%d-%H%M%S")
        lib.write_json(
            lib.BENCH_DIR / "results" / f"scale-{stamp}.json",
            {"machine": lib.machine_description(), "articles": total, "rows": rows},
        )
    finally:
        if created and not args.keep:
            lib.drop_database(name)


if __name__ == "__main__":
    main()
