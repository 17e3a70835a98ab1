"""Chairs' tags on proposals (issue 21): define them, put them on proposals. Every change is
audited; a tag's name is unique in its call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from cfp.services import audit
from reviews import models

MAX_NAME = 60


class UnableToTag(Exception):
    """The tag change is refused; the message says why, for the chair."""


def _call(call_id: int) -> cfp_models.Call:
    return cfp_models.Call.objects.get(pk=call_id)


@transaction.atomic
def create_tag(
    *, call_id: int, name: str, reviewer_visible: bool, actor_id: int, now: dt.datetime
) -> int:
    """A new tag of the call; returns its id."""
    name = " ".join(name.split())
    if not name:
        raise UnableToTag(_("Give the tag a name."))
    if len(name) > MAX_NAME:
        raise UnableToTag(_("A tag's name has at most %(n)s characters.") % {"n": MAX_NAME})
    try:
        with transaction.atomic():
            tag = models.Tag.objects.create(
                call_id=call_id, name=name, reviewer_visible=reviewer_visible, created_at=now
            )
    except IntegrityError as exc:
        raise UnableToTag(_("This call has a tag “%(name)s” already.") % {"name": name}) from exc
    audit.record(
        call=_call(call_id),
        action="tag.added",
        actor_id=actor_id,
        data={"tag": tag.pk, "name": name, "reviewer_visible": reviewer_visible},
        now=now,
    )
    return int(tag.pk)


@transaction.atomic
def set_proposal_tags(
    *, call_id: int, proposal_id: int, tag_ids: Collection[int], actor_id: int, now: dt.datetime
) -> tuple[int, ...]:
    """Make the proposal's tags exactly ``tag_ids`` (tags of this call); returns those added."""
    wanted = set(
        models.Tag.objects.filter(call_id=call_id, pk__in=tag_ids).values_list("pk", flat=True)
    )
    if wanted != set(tag_ids):
        raise UnableToTag(_("A tag was deleted meanwhile; reload the page."))
    have = set(
        models.ProposalTag.objects.filter(proposal_id=proposal_id).values_list("tag_id", flat=True)
    )
    added, removed = wanted - have, have - wanted
    if not added and not removed:
        return ()
    models.ProposalTag.objects.filter(proposal_id=proposal_id, tag_id__in=removed).delete()
    models.ProposalTag.objects.bulk_create(
        [models.ProposalTag(proposal_id=proposal_id, tag_id=t) for t in sorted(added)],
        ignore_conflicts=True,
    )
    audit.record(
        call=_call(call_id),
        proposal=cfp_models.Proposal.objects.get(pk=proposal_id),
        action="proposal.tagged",
        actor_id=actor_id,
        data={"added": sorted(added), "removed": sorted(removed)},
        now=now,
    )
    return tuple(sorted(added))
