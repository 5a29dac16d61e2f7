from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Benchmark tools (seed_bulk). Installed only by bench.settings and tests.settings, never
    in production: a production `manage.py help` lists no seeding command."""

    name = "bench"
    verbose_name = "Benchmark tools"
