from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "publishing"
    verbose_name = "Public site"

    def ready(self):
        from publishing import signals

        signals.connect()
