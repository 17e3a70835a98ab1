"""Mentoring's part of a person's data (issue 25), registered in the personal-data registry from
``CfpConfig.ready``: the thread messages and suggestions they wrote, their requests and the
proposals they mentored. Erasing an account deletes what they wrote in threads (a thread is
between two people; the other side keeps their own words) and ends their matches."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cfp import models
from cfp.queries.personal_data import Part


def export(user_id: int) -> dict[str, Any]:
    posts = (
        models.MentoringPost.objects.filter(author_id=user_id)
        .order_by("created_at", "pk")
        .values_list("proposal__code", "body", "created_at")
    )
    suggestions = (
        models.MentoringSuggestion.objects.filter(author_id=user_id)
        .order_by("created_at", "pk")
        .values_list("proposal__code", "original", "replacement", "note", "state", "created_at")
    )
    matches = (
        models.MentorMatch.objects.filter(mentor_id=user_id)
        .order_by("matched_at", "pk")
        .values_list("proposal__call__name", "proposal__code", "matched_at", "ended_at")
    )
    requests = (
        models.MentoringRequest.objects.filter(asked_by_id=user_id)
        .order_by("asked_at", "pk")
        .values_list("proposal__code", "asked_at", "closed_at")
    )
    return {
        "mentoring_messages_written": [
            {"proposal": code, "body": body, "created_at": at.isoformat()}
            for code, body, at in posts
        ],
        "mentoring_suggestions_written": [
            {
                "proposal": code,
                "original": original,
                "replacement": replacement,
                "note": note,
                "state": state,
                "created_at": at.isoformat(),
            }
            for code, original, replacement, note, state, at in suggestions
        ],
        "proposals_mentored": [
            {
                "call": call,
                "proposal": code,
                "matched_at": at.isoformat(),
                "ended_at": ended.isoformat() if ended else None,
            }
            for call, code, at, ended in matches
        ],
        "mentoring_requests": [
            {
                "proposal": code,
                "asked_at": at.isoformat(),
                "closed_at": closed.isoformat() if closed else None,
            }
            for code, at, closed in requests
        ],
    }


def erase(user_id: int, now: dt.datetime) -> dict[str, int]:
    return {
        "mentoring_messages_deleted": models.MentoringPost.objects.filter(
            author_id=user_id
        ).delete()[0],
        "mentoring_suggestions_deleted": models.MentoringSuggestion.objects.filter(
            author_id=user_id
        ).delete()[0],
        "mentor_matches_ended": models.MentorMatch.objects.filter(
            mentor_id=user_id, ended_at__isnull=True
        ).update(ended_at=now),
    }


def purge_call(call_id: int, now: dt.datetime) -> dict[str, int]:
    return {
        "mentoring_messages_deleted": models.MentoringPost.objects.filter(
            proposal__call_id=call_id
        ).delete()[0],
        "mentoring_suggestions_deleted": models.MentoringSuggestion.objects.filter(
            proposal__call_id=call_id
        ).delete()[0],
    }


PART = Part(name="mentoring", export=export, erase=erase, purge_call=purge_call)
