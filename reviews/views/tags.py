"""Chairs' tags (issue 21): the call's tags, and the tags of one proposal (htmx-loaded on the
chair's proposal page, a page of its own without JavaScript)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cfp import access
from cfp import queries as cfp_queries
from common.htmx import wants_fragment
from common.render import page, user_id
from reviews.forms.tags import ProposalTagsForm, TagForm
from reviews.queries import others_reviews, tags
from reviews.services import tags as services


@require_http_methods(["GET", "HEAD", "POST"])
@access.chair_required
def tags_page(request: HttpRequest, member: cfp_queries.CallMembership) -> HttpResponse:
    form = TagForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.create_tag(
                    call_id=member.call_id,
                    name=form.cleaned_data["name"],
                    reviewer_visible=form.cleaned_data["reviewer_visible"],
                    actor_id=user_id(request),
                    now=timezone.now(),
                )
            except services.UnableToTag as exc:
                form.add_error("name", str(exc))
            else:
                return redirect("chair:tags", slug=member.slug)
        status = 400
    return page(
        request,
        "reviews/tags.html",
        {
            "call": member,
            "tags": tags.call_tags(call_id=member.call_id, viewer=member.viewer),
            "form": form,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@access.chair_required
def proposal_tags(
    request: HttpRequest, member: cfp_queries.CallMembership, code: str
) -> HttpResponse:
    st = others_reviews.standing(
        call_id=member.call_id,
        member_id=user_id(request),
        viewer=member.viewer,
        code=code,
        now=timezone.now(),
    )
    if st is None:
        raise Http404(_("No such proposal."))
    call_tags = tags.call_tags(call_id=member.call_id, viewer=member.viewer)
    choices = tuple((str(t.id), t.name) for t in call_tags)
    saved = False
    if request.method == "POST":
        form = ProposalTagsForm(request.POST, choices=choices)
        if form.is_valid():
            try:
                services.set_proposal_tags(
                    call_id=member.call_id,
                    proposal_id=st.proposal_id,
                    tag_ids=form.tag_ids(),
                    actor_id=user_id(request),
                    now=timezone.now(),
                )
            except services.UnableToTag as exc:
                form.add_error(None, str(exc))
            else:
                if not wants_fragment(request):
                    return redirect("curation:proposal", slug=member.slug, code=st.code)
                saved = True
    else:
        form = ProposalTagsForm(
            choices=choices,
            initial={"tags": [str(i) for i in tags.proposal_tag_ids(proposal_id=st.proposal_id)]},
        )
    bad = (request.method == "POST" and not saved and not form.is_valid()) or bool(form.errors)
    return page(
        request,
        "reviews/proposal_tags.html",
        {
            "call": member,
            "code": st.code,
            "form": form,
            "has_tags": bool(call_tags),
            "saved": saved,
        },
        partial="tags",
        status=400 if bad and not wants_fragment(request) else 200,
    )
