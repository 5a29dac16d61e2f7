"""The two editorial roles as Django groups, and the permissions each one holds.

A data migration creates the groups from ROLE_PERMISSIONS; tests and `load_demo` put users in
them by name.
"""

EDITORS = "Editors"
ADVISORY_BOARD = "Advisory board"

ROLE_PERMISSIONS = {
    EDITORS: [
        "articles.add_article",
        "articles.change_article",
        "articles.view_article",
        "articles.add_topic",
        "articles.change_topic",
        "articles.view_topic",
        "articles.view_audience",
        "articles.view_disclaimer",
        "articles.change_question",
        "articles.view_question",
        "references.add_reference",
        "references.change_reference",
        "references.view_reference",
        "reviews.submit_round",
        "reviews.view_reviewround",
        "reviews.view_reviewevent",
        "reviews.view_boardmember",
        "reviews.add_reviewcomment",
        "reviews.view_reviewcomment",
        "reviews.view_retractionalert",
    ],
    ADVISORY_BOARD: [
        "articles.view_article",
        "articles.view_topic",
        "articles.view_audience",
        "articles.view_disclaimer",
        "references.view_reference",
        "reviews.decide_round",
        "reviews.view_reviewround",
        "reviews.view_reviewevent",
        "reviews.view_boardmember",
        "reviews.add_reviewcomment",
        "reviews.view_reviewcomment",
        "reviews.view_retractionalert",
    ],
}


def ensure_role_groups(sender=None, *, using="default", apps=None, **kwargs):
    """Create the role groups and give them at least ROLE_PERMISSIONS (idempotent).

    Connected to post_migrate, so the groups come back after `flush` too, and a permission
    added to ROLE_PERMISSIONS reaches existing groups on the next migrate.
    """
    from django.apps import apps as global_apps

    apps = apps or global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, dotted_names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        wanted = [dotted.split(".") for dotted in dotted_names]
        permissions = [
            Permission.objects.using(using)
            .filter(content_type__app_label=app_label, codename=codename)
            .first()
            for app_label, codename in wanted
        ]
        group.permissions.add(*[permission for permission in permissions if permission])
