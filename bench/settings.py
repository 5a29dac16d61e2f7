"""Vetted's own settings (config.settings), with the benchmark's tools installed.

INSTALLED_APPS gains `bench` (seed_bulk). STATIC_ROOT points at a folder the benchmark owns
(BENCH_STATIC_ROOT, when set), so its collectstatic never writes into the working tree another
checkout may be serving. Everything else — DEBUG off, PostgreSQL with persistent connections,
the cache from CACHE_URL — is production's.
"""

import os
from pathlib import Path

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS, STATIC_ROOT

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
STATIC_ROOT = Path(os.environ.get("BENCH_STATIC_ROOT") or STATIC_ROOT)
