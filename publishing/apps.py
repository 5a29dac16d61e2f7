from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "publishing"
    verbose_name = "Public site"

    def ready(self):
        from publishing import checks, signals  # noqa: F401 (checks registers itself)

        signals.connect()
