"""Copy an earlier call (issue 19): /staff/calls/<slug>/copy/, staff only.

GET shows what will be copied and the new call's name, address and dates (a year on); POST makes
the copy, its decision e-mails and the reviewers' invitations in one transaction.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cfp.access import staff_required
from cfp.forms import calls as call_forms
from cfp.queries import call_setup
from cfp.services import calls as call_services
from common.render import page, user_id
from reviews.queries import call_cloning as cloning_queries
from reviews.services import call_cloning


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def clone_call(request: HttpRequest, slug: str) -> HttpResponse:
    source = call_setup.clone_source(slug=slug)
    if source is None:
        raise Http404(_("No such call."))
    c = source.call
    status = 200
    if request.method == "POST":
        form = call_forms.CloneCallForm(request.POST, zone=c.timezone)
        if form.is_valid():
            data = form.data_object()
            try:
                outcome = call_cloning.clone_call(
                    source_slug=slug,
                    data=data,
                    actor_id=user_id(request),
                    accept_url=request.build_absolute_uri(
                        reverse(
                            "reviews:accept_invitation",
                            kwargs={"slug": data.slug, "token": "TOKEN"},
                        )
                    ),
                    invite_reviewers=form.cleaned_data["invite_reviewers"],
                    now=timezone.now(),
                )
            except call_services.UnableToCreateCall as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                n = outcome.copied
                messages.success(
                    request,
                    _(
                        "Copied from %(source)s: %(formats)s formats, %(tracks)s tracks, "
                        "%(criteria)s criteria, %(questions)s questions, %(templates)s e-mail "
                        "templates; %(invited)s reviewers invited again."
                    )
                    % {
                        "source": c.name,
                        "formats": n["formats"],
                        "tracks": n["tracks"],
                        "criteria": n["criteria"],
                        "questions": n["questions"],
                        "templates": n["email_templates"],
                        "invited": len(outcome.invited),
                    },
                )
                if outcome.refused:
                    messages.warning(
                        request,
                        _("Not invited (not e-mail addresses): %(bad)s")
                        % {"bad": ", ".join(outcome.refused)},
                    )
                return redirect("callsettings:settings", slug=data.slug)
        status = 400
    else:
        form = call_forms.CloneCallForm(
            zone=c.timezone,
            initial=call_forms.CloneCallForm.initial_for(
                name=c.name,
                slug=c.slug,
                zone=c.timezone,
                opens_at=c.opens_at,
                closes_at=c.closes_at,
                review_deadline_at=c.review_deadline_at,
            ),
        )
    return page(
        request,
        "reviews/call_clone.html",
        {
            "source": source,
            "templates": cloning_queries.template_count(call_id=source.id),
            "form": form,
        },
        status=status,
    )
