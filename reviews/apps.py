from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Advisory-board review"

    def ready(self):
        from reviews.roles import ensure_role_groups

        # Runs after every migrate and flush, once auth's permissions exist.
        post_migrate.connect(ensure_role_groups, sender=self, dispatch_uid="vetted-role-groups")
