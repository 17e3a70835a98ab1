"""The speaker profile page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cfp import services
from cfp.forms import profile as profile_forms
from cfp.queries import people
from common.render import page, user_id


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = profile_forms.ProfileForm(request.POST)
        if form.is_valid():
            services.save_speaker_profile(
                user=request.user,  # type: ignore[arg-type]
                data=form.data_object(),
            )
            messages.success(request, _("Your speaker profile is saved."))
            return redirect("profile")
        status = 400
    else:
        current = people.speaker_profile(user_id=user_id(request))
        initial: dict[str, str] = {"name": request.user.first_name}  # type: ignore[union-attr]
        if current is not None:
            initial = {
                "name": current.name,
                "bio": current.bio,
                "affiliation": current.affiliation,
                "links": "\n".join(current.links),
                "region": current.region,
                "spoken_before": profile_forms.tri_initial(current.spoken_before),
                "english_additional": profile_forms.tri_initial(current.english_additional),
                "wants_mentor": profile_forms.tri_initial(current.wants_mentor),
            }
        form = profile_forms.ProfileForm(initial=initial)
    return page(request, "cfp/profile.html", {"form": form}, status=status)
