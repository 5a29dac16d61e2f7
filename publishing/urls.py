from django.urls import path

from publishing import views
from publishing.feeds import LatestArticlesFeed

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("articles/<slug:slug>/questions/", views.ask_question, name="ask"),
    path("articles/<slug:slug>/questions/thanks/", views.question_thanks, name="question_thanks"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic"),
    path("search/", views.search, name="search"),
    path("advisory-board/", views.board, name="board"),
    path("editorial-policy/", views.editorial_policy, name="editorial_policy"),
    path("feed/", views.cached_publicly(LatestArticlesFeed()), name="feed"),
    path("api/articles/<slug:slug>/", views.article_api, name="api_detail"),
]
