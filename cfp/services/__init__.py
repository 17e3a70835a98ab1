"""The write side of calls and proposals, one module per subject; this facade re-exports the
names other apps and the tests use (``from cfp import services; services.submit_proposal``).

Inside the cfp app, import the module you need (``from cfp.services import proposals``).
"""

from __future__ import annotations

from cfp.domain import answers, tokens
from cfp.outbox import MAX_ATTEMPTS, queue_email, requeue_unsent_email, send_email
from cfp.services.accounts import (
    UnableToSignUp,
    UnableToVerify,
    confirmation_problem,
    handle_password_reset,
    handle_sign_up,
    request_password_reset,
    request_sign_up,
    resend_verification,
    sign_up,
    verify_email,
)
from cfp.services.call_settings import (
    CallSettingsData,
    CriterionData,
    FormatData,
    Problems,
    QuestionData,
    TrackData,
    UnableToConfigure,
    call_settings_problems,
    criterion_problems,
    delete_criterion,
    delete_format,
    delete_question,
    delete_track,
    question_problems,
    save_criterion,
    save_format,
    save_question,
    save_track,
    update_call_settings,
)
from cfp.services.cospeakers import (
    INVALID_INVITE,
    UnableToChangeSpeakers,
    UnableToJoin,
    accept_co_speaker_invite,
    invite_co_speaker,
    invite_problem,
    remove_co_speaker,
    revoke_co_speaker_invite,
)
from cfp.services.memberships import grant_role, grant_roles
from cfp.services.moderation import (
    UnableToMark,
    UnableToReopen,
    mark_false_positive,
    reopen_proposal,
)
from cfp.services.proposals import (
    AnswerInput,
    ProposalData,
    UnableToSubmit,
    normalise_answer,
    submit_proposal,
    update_proposal,
    withdraw_proposal,
)
from cfp.services.speakers import ProfileData, save_speaker_profile
from cfp.services.texts import (
    REVIEWER_FIELDS,
    NewVersion,
    Prescanned,
    preview_redaction,
    rescan_proposal,
    rescan_proposals,
    store_texts,
)

TEXT_KINDS = answers.TEXT_KINDS
answer_key = answers.answer_key
token_hash = tokens.token_hash
new_token = tokens.new_token


__all__ = [
    "INVALID_INVITE",
    "MAX_ATTEMPTS",
    "REVIEWER_FIELDS",
    "TEXT_KINDS",
    "AnswerInput",
    "CallSettingsData",
    "CriterionData",
    "FormatData",
    "NewVersion",
    "Prescanned",
    "Problems",
    "ProfileData",
    "ProposalData",
    "QuestionData",
    "TrackData",
    "UnableToChangeSpeakers",
    "UnableToConfigure",
    "UnableToJoin",
    "UnableToMark",
    "UnableToReopen",
    "UnableToSignUp",
    "UnableToSubmit",
    "UnableToVerify",
    "accept_co_speaker_invite",
    "answer_key",
    "call_settings_problems",
    "confirmation_problem",
    "criterion_problems",
    "delete_criterion",
    "delete_format",
    "delete_question",
    "delete_track",
    "grant_role",
    "grant_roles",
    "handle_password_reset",
    "handle_sign_up",
    "invite_co_speaker",
    "invite_problem",
    "mark_false_positive",
    "new_token",
    "normalise_answer",
    "preview_redaction",
    "question_problems",
    "queue_email",
    "remove_co_speaker",
    "reopen_proposal",
    "request_password_reset",
    "request_sign_up",
    "requeue_unsent_email",
    "rescan_proposal",
    "rescan_proposals",
    "resend_verification",
    "revoke_co_speaker_invite",
    "save_criterion",
    "save_format",
    "save_question",
    "save_speaker_profile",
    "save_track",
    "send_email",
    "sign_up",
    "store_texts",
    "submit_proposal",
    "token_hash",
    "update_call_settings",
    "update_proposal",
    "verify_email",
    "withdraw_proposal",
]
