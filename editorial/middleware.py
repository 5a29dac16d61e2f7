"""Refuse admin requests whose list parameters no admin could read, with a 400.

Django's changelist turns most bad filter values into its "?e=1" page, but two kinds of input
reach the database or Python's int() unchecked and answer 500: a date-hierarchy value that is
not a plausible year, month or day (`?created_at__year=99999999999999999999`), and a selected
row of an admin action that is not a row id (`_selected_action=abc`). Every admin's rows here
have whole-number ids.
"""

import re

from django.http import HttpResponseBadRequest
from django.urls import reverse

DATE_PART = re.compile(r"__(year|month|day)$")
DATE_RANGES = {"year": (1, 9999), "month": (1, 12), "day": (1, 31)}


def refuse_malformed_admin_input(get_response):
    admin_prefix = None

    def middleware(request):
        nonlocal admin_prefix
        if admin_prefix is None:
            admin_prefix = reverse("admin:index")
        if request.path.startswith(admin_prefix):
            problem = date_problem(request.GET) or selection_problem(request)
            if problem:
                return HttpResponseBadRequest(
                    f"Bad request: {problem}\n", content_type="text/plain; charset=utf-8"
                )
        return get_response(request)

    return middleware


def date_problem(params):
    for name, value in params.items():
        part = DATE_PART.search(name)
        if part is None:
            continue
        low, high = DATE_RANGES[part.group(1)]
        if not (value.isdigit() and low <= int(value) <= high):
            return f"{name} must be a whole number from {low} to {high}."
    return None


def selection_problem(request):
    if request.method != "POST" or "_selected_action" not in request.POST:
        return None
    if all(value.isdigit() for value in request.POST.getlist("_selected_action")):
        return None
    return "the selected rows are not rows of this list."
