"""The staff start page: coordinators get their morning page, other staff the way to their work."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from courses.views import PLANNING_PERMISSION
from home.start_page import start_page


@require_safe
@login_required
def staff_home(request):
    if request.user.has_perm(PLANNING_PERMISSION):
        context = start_page(request.user)
        context["municipality"] = request.user.municipality
        return render(request, "home/start_page.html", context)
    return render(request, "home/staff_home.html", {"municipality": request.user.municipality})
