"""The public advisory-board page."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from reviews.models import BoardMember


@require_safe
def board(request):
    members = BoardMember.objects.filter(active=True, user__is_active=True)
    return render(request, "reviews/board.html", {"members": members})
