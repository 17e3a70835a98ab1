"""Spending reviewer time where it changes the outcome (issue 22), for chairs.

- /chair/<slug>/extra-reviews/: the extra budget used, and the switch and cap (POST).
- /chair/<slug>/consistency/: the consistency experiment's report, or the form that starts it
  (POST, after a confirmation).

Each view: check access → parse → at most one service call → query → render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cfp import access
from cfp import queries as cfp_queries
from common.render import page, user_id
from reviews.forms import review_plan as forms
from reviews.queries import consistency as consistency_queries
from reviews.queries import review_plan as queries
from reviews.services import review_plan as services

Member = cfp_queries.CallMembership


def _extra_page(
    request: HttpRequest, member: Member, *, form: forms.ExtraReviewsForm | None, status: int = 200
) -> HttpResponse:
    the_plan = queries.plan(call_id=member.call_id)
    budget = queries.budget(call_id=member.call_id, the_plan=the_plan)
    context: dict[str, Any] = {
        "call": member,
        "plan": the_plan,
        "budget": budget,
        "form": form
        or forms.ExtraReviewsForm(
            initial={"extra_reviews": the_plan.extra_reviews, "extra_cap": the_plan.extra_cap}
        ),
    }
    return page(request, "reviews/extra_reviews.html", context, partial="extra", status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@access.chair_required
def extra_reviews(request: HttpRequest, member: Member) -> HttpResponse:
    if request.method != "POST":
        return _extra_page(request, member, form=None)
    form = forms.ExtraReviewsForm(request.POST)
    if not form.is_valid():
        return _extra_page(request, member, form=form, status=400)
    try:
        changed = services.update_plan(
            call_id=member.call_id,
            extra_reviews=form.cleaned_data["extra_reviews"],
            extra_cap=form.cleaned_data["extra_cap"],
            actor_id=user_id(request),
            now=timezone.now(),
        )
    except services.UnableToChangePlan as e:
        form.add_error(None, str(e))
        return _extra_page(request, member, form=form, status=400)
    messages.success(request, _("Saved.") if changed else _("Nothing changed."))
    return redirect("chair:extra_reviews", slug=member.slug)


def _consistency_page(
    request: HttpRequest, member: Member, *, form: forms.ExperimentForm | None, status: int = 200
) -> HttpResponse:
    report = consistency_queries.consistency_page(call_id=member.call_id)
    context: dict[str, Any] = {
        "call": member,
        "page": report,
        "form": form or forms.ExperimentForm(),
    }
    return page(request, "reviews/consistency.html", context, partial="experiment", status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@access.chair_required
def consistency(request: HttpRequest, member: Member) -> HttpResponse:
    if request.method != "POST":
        return _consistency_page(request, member, form=None)
    form = forms.ExperimentForm(request.POST)
    if not form.is_valid():
        return _consistency_page(request, member, form=form, status=400)
    try:
        outcome = services.start_experiment(
            call_id=member.call_id,
            percent=form.cleaned_data["percent"],
            actor_id=user_id(request),
            now=timezone.now(),
        )
    except services.UnableToChangePlan as e:
        form.add_error(None, str(e))
        return _consistency_page(request, member, form=form, status=400)
    messages.success(
        request,
        _("The experiment started: %(n)s proposals go to both pools (%(created)s new seats).")
        % {"n": outcome.duplicated, "created": outcome.created},
    )
    return redirect("chair:consistency", slug=member.slug)
