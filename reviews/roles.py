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
    ],
}
