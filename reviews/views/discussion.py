"""A proposal's discussion among its reviewers and the chairs (issue 21): read, post, open.

Reviewers reach it from the scoring screen once their own review is in; chairs from the chair
proposal page, where they also open it. Posting answers with the thread (htmx) or the page.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cfp import access
from cfp import queries as cfp_queries
from cfp.domain import visibility
from cfp.domain.visibility import Viewer
from common.htmx import wants_fragment
from common.render import page, user_id
from reviews.domain import discussion as rules
from reviews.forms.discussion import PostForm
from reviews.queries import discussion as queries
from reviews.queries import others_reviews
from reviews.services import discussion as services


def _standing(
    member: cfp_queries.CallMembership, request: HttpRequest, code: str
) -> others_reviews.Standing:
    st = others_reviews.standing(
        call_id=member.call_id,
        member_id=user_id(request),
        viewer=member.viewer,
        code=code,
        now=timezone.now(),
    )
    if st is None:
        raise Http404(_("No such proposal."))
    return st


def _render(
    request: HttpRequest,
    member: cfp_queries.CallMembership,
    st: others_reviews.Standing,
    *,
    form: PostForm | None = None,
    checked: rules.CheckedText | None = None,
    status: int = 200,
) -> HttpResponse:
    me = user_id(request)
    allowed = visibility.reads_discussion(viewer=member.viewer, standing=st.reviewer)
    chair = member.viewer is Viewer.CHAIR
    if allowed and st.thread_open and request.method == "GET":
        services.read_thread(
            proposal_id=st.proposal_id, reviewer_id=None if chair else me, now=timezone.now()
        )
    rows = (
        queries.posts(
            proposal_id=st.proposal_id, viewer=member.viewer, viewer_id=me, phase=member.phase
        )
        if allowed and st.thread_open
        else ()
    )
    if chair:
        post_url = reverse("chair:discussion", kwargs={"slug": member.slug, "code": st.code})
        back_url = reverse("curation:proposal", kwargs={"slug": member.slug, "code": st.code})
    else:
        post_url = reverse("reviews:discussion", kwargs={"slug": member.slug, "code": st.code})
        back_url = reverse("reviews:screen", kwargs={"slug": member.slug, "code": st.code})
    return page(
        request,
        "reviews/discussion.html",
        {
            "call": member,
            "code": st.code,
            "chair": chair,
            "allowed": allowed,
            "thread_open": st.thread_open,
            "posts": rows,
            "form": form or PostForm(),
            "checked": checked,
            "post_url": post_url,
            "back_url": back_url,
            "open_url": reverse(
                "chair:discussion_open", kwargs={"slug": member.slug, "code": st.code}
            )
            if chair
            else "",
        },
        partial="thread",
        status=status,
    )


def _thread(request: HttpRequest, member: cfp_queries.CallMembership, code: str) -> HttpResponse:
    st = _standing(member, request, code)
    if request.method != "POST":
        return _render(request, member, st)
    form = PostForm(request.POST)
    allowed = visibility.reads_discussion(viewer=member.viewer, standing=st.reviewer)
    if not allowed:
        form.add_error(None, _("You can join the discussion once your own review is saved."))
    elif form.is_valid():
        try:
            checked = services.post(
                call_id=member.call_id,
                proposal_id=st.proposal_id,
                author_id=user_id(request),
                author_is_chair=member.viewer is Viewer.CHAIR,
                body=form.cleaned_data["body"],
                speakers=others_reviews.speakers_of(st.proposal_id),
                now=timezone.now(),
            )
        except services.UnableToPost as exc:
            form.add_error("body", str(exc))
        else:
            if not wants_fragment(request) and not checked.held_back and not checked.knows_speaker:
                return redirect(request.path)
            return _render(request, member, st, checked=checked)
    return _render(request, member, st, form=form, status=200 if wants_fragment(request) else 400)


@require_http_methods(["GET", "HEAD", "POST"])
@access.reviewer_required
def reviewer_thread(
    request: HttpRequest, member: cfp_queries.CallMembership, code: str
) -> HttpResponse:
    return _thread(request, member, code)


@require_http_methods(["GET", "HEAD", "POST"])
@access.chair_required
def chair_thread(
    request: HttpRequest, member: cfp_queries.CallMembership, code: str
) -> HttpResponse:
    return _thread(request, member, code)


@require_POST
@access.chair_required
def open_thread(
    request: HttpRequest, member: cfp_queries.CallMembership, code: str
) -> HttpResponse:
    st = _standing(member, request, code)
    services.open_thread(
        call_id=member.call_id,
        proposal_id=st.proposal_id,
        actor_id=user_id(request),
        now=timezone.now(),
    )
    return redirect("chair:discussion", slug=member.slug, code=st.code)
