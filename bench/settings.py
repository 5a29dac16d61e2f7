"""Vetted's own settings (config.settings), with one change for the benchmark's servers.

STATIC_ROOT points at a folder the benchmark owns (BENCH_STATIC_ROOT), so its collectstatic
never writes into the working tree another checkout may be serving. Everything else — DEBUG off,
PostgreSQL with persistent connections, the cache from CACHE_URL — is production's.
"""

import os
from pathlib import Path

from config.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
