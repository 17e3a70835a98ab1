"""Staff set up calls without the Django admin (issue 19): /staff/calls/ and /staff/calls/new/.

Each view: check access → parse → at most one service call → render. Copying an earlier call
lives in ``reviews.views.call_cloning`` (it also copies the decision e-mails and invites the
reviewers again, which are the reviews app's).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cfp.access import staff_required
from cfp.forms import calls as call_forms
from cfp.queries import call_setup
from cfp.services import calls as call_services
from common.render import page, user_id


@require_http_methods(["GET", "HEAD"])
@staff_required
def calls_page(request: HttpRequest) -> HttpResponse:
    """Every call, each with "copy", and the way to a new one."""
    return page(request, "cfp/staff_calls.html", {"calls": call_setup.setup_calls()})


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def new_call(request: HttpRequest) -> HttpResponse:
    """A new call with its first formats, tracks and criteria; its creator becomes its chair."""
    status = 200
    if request.method == "POST":
        form = call_forms.NewCallForm(request.POST)
        if form.is_valid():
            try:
                call_services.create_call(
                    data=form.data_object(), actor_id=user_id(request), now=timezone.now()
                )
            except call_services.UnableToCreateCall as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                slug = form.data_object().slug
                messages.success(
                    request,
                    _("Call created; you chair it. Check its settings before it opens."),
                )
                return redirect("callsettings:settings", slug=slug)
        status = 400
    else:
        form = call_forms.NewCallForm()
    return page(request, "cfp/staff_call_new.html", {"form": form}, status=status)
