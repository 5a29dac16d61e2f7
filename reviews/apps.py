from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Advisory-board review"

    def ready(self):
        from articles.models import Article
        from reviews.roles import ensure_role_groups
        from reviews.workflow import article_saved

        # Runs after every migrate and flush, once auth's permissions exist.
        post_migrate.connect(ensure_role_groups, sender=self, dispatch_uid="vetted-role-groups")
        post_save.connect(article_saved, sender=Article, dispatch_uid="vetted-article-saved")
