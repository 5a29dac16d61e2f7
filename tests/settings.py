"""The test run's settings: Vetted's own (config.settings) with the benchmark's tools installed,
so the suite can seed many articles with seed_bulk. Production never installs `bench`."""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
