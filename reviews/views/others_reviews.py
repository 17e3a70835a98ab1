"""The other reviews of a proposal, on the scoring screen after one's own (issue 21).

Reading them is a recorded act: the reader's scores as they stand are kept as their independent
ones (``reviews.services.others_reviews``), and the page says so before the reader asks.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cfp import access
from cfp import queries as cfp_queries
from cfp.domain import visibility
from common.render import page, user_id
from reviews.queries import others_reviews as queries
from reviews.services import others_reviews as services


@require_http_methods(["GET", "HEAD"])
@access.reviewer_required
def others(request: HttpRequest, member: cfp_queries.CallMembership, code: str) -> HttpResponse:
    me = user_id(request)
    now = timezone.now()
    st = queries.standing(
        call_id=member.call_id, member_id=me, viewer=member.viewer, code=code, now=now
    )
    if st is None:
        raise Http404(_("No such proposal in your queue."))
    allowed = visibility.reads_others_reviews(
        viewer=member.viewer, setting=st.setting, standing=st.reviewer
    )
    rows: tuple[queries.OtherReview, ...] = ()
    if allowed:
        if request.method == "GET":
            services.mark_seen_others(proposal_id=st.proposal_id, reviewer_id=me, now=now)
        rows = queries.others_reviews(
            call_id=member.call_id,
            proposal_id=st.proposal_id,
            viewer=member.viewer,
            viewer_id=me,
            phase=member.phase,
            speakers=queries.speakers_of(st.proposal_id),
        )
    return page(
        request,
        "reviews/others_reviews.html",
        {
            "call": member,
            "code": st.code,
            "allowed": allowed,
            "setting": st.setting.value,
            "has_own_review": st.reviewer.has_own_review,
            "rows": rows,
            "thread_open": st.thread_open,
        },
        partial="others",
    )
