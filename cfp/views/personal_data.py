"""A person's own data: see what is held (/me/data/), download it as JSON, delete the account;
and, for chairs of an archived call, purge the call's personal data (issue 17)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cfp.forms import accounts as account_forms
from cfp.queries import personal_data as data_queries
from cfp.services import personal_data
from common.render import page, user_id


@login_required
@require_http_methods(["GET", "HEAD"])
def my_data(request: HttpRequest) -> HttpResponse:
    return page(
        request,
        "cfp/my_data.html",
        {"chaired": data_queries.chaired_calls(user_id=user_id(request))},
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def export(request: HttpRequest) -> HttpResponse:
    """Everything held about the person, as one JSON download (one-time links left out)."""
    data = data_queries.export_personal_data(user_id=user_id(request))
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="my-talkreview-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = account_forms.DeleteAccountForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                personal_data.delete_account(user_id=user_id(request), now=timezone.now())
            except personal_data.UnableToErase as exc:
                form.add_error(None, str(exc))
            else:
                logout(request)
                messages.success(request, _("Your account and your personal data are deleted."))
                return redirect("home")
        status = 400
    else:
        form = account_forms.DeleteAccountForm(user=request.user)
    return page(request, "cfp/delete_account.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def purge_call(request: HttpRequest, slug: str) -> HttpResponse:
    """A chair of the call purges its personal data once it is archived (confirmation first)."""
    found = data_queries.chaired_call_id(user_id=user_id(request), slug=slug)
    if found is None:
        raise Http404
    call_id, archived = found
    status = 200
    if request.method == "POST":
        form = account_forms.PurgeCallForm(request.POST, slug=slug)
        if form.is_valid():
            try:
                personal_data.purge_call(
                    call_id=call_id, actor_id=user_id(request), now=timezone.now()
                )
            except personal_data.UnableToErase as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The call's personal data is purged."))
                return redirect("my_data")
        status = 400
    else:
        form = account_forms.PurgeCallForm(slug=slug)
    return page(
        request,
        "cfp/purge_call.html",
        {"form": form, "slug": slug, "archived": archived},
        status=status,
    )
