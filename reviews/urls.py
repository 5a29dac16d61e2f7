from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [path("advisory-board/", views.board, name="board")]
