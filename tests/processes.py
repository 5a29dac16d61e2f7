"""Running the project in a fresh Python process, as an operator or a server would."""

import os
import subprocess
import sys
from pathlib import Path

from bench import lib

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Variables that configure Vetted: none leaks from the test run into the child process.
SETTINGS_VARIABLES = ("DJANGO_", "SECURE_", "DEBUG", "SECRET_KEY", "DATABASE_URL")

# For `manage.py shell -c` against the demo: the demo editor puts {marker} at the top of the
# article at {slug} and submits it, and board member aexample approves it. Prints the round's
# number and the moment the approval committed: "approved round N committed at <epoch>".
APPROVE_NEW_ROUND = """
import time
import reversion
from django.contrib.auth import get_user_model
from articles.models import Article
from reviews import workflow
User = get_user_model()
editor, board = User.objects.get(username="editor"), User.objects.get(username="aexample")
article = Article.objects.get(slug="{slug}")
with reversion.create_revision():
    reversion.set_user(editor)
    article.body = "{marker}\\n\\n" + article.body
    article.save()
review_round = workflow.submit(article, by=editor, note="New text.")
workflow.start_review(review_round, by=board)
workflow.approve(review_round, by=board, note="Approved.")
print("approved round", review_round.number, "committed at", time.time(), flush=True)
"""


def run_python(*args, timeout=120, **settings):
    """`python *args` in the project directory, configured by `settings` alone."""
    env = {
        name: value for name, value in os.environ.items() if not name.startswith(SETTINGS_VARIABLES)
    }
    env |= settings
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_manage(*args, **settings):
    """manage.py with `args` in a fresh process, configured by `settings` alone."""
    return run_python("manage.py", *args, **settings)


def server_env(work, *, database, redis_db, key_prefix, **extra):
    """The environment of a production-like Vetted server for a test that starts its own:
    DEBUG off, the benchmark's settings (static files under `work`), the PostgreSQL database
    named `database`, Redis db `redis_db` under `key_prefix`, and `extra` on top."""
    return {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CACHE_URL"}},
        "PYTHONPATH": str(PROJECT_DIR),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_STATIC_ROOT": str(work / "static"),
        "DEBUG": "0",
        "SECRET_KEY": lib.secret_key(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"{lib.PG_URL}/{database}",
        "CACHE_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "CACHE_KEY_PREFIX": key_prefix,
        "EMAIL_URL": "locmem://",
        **extra,
    }


def manage_in(env, *args, timeout=300):
    """manage.py with `args` in a fresh process with exactly the environment `env` (a server's,
    as bench.lib builds it); its output, once it has succeeded."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout
