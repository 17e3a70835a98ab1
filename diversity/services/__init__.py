"""The write side of self-identification and diversity reports.

``answers`` (a person's answers and consent), ``report_settings`` (threshold, targets, a call's
questions) and ``reports`` (requesting and building reports). Inside the app, import the submodule;
the names below are for tests and other callers.
"""

from diversity.services.answers import (
    AnswerData,
    UnableToSaveAnswers,
    save_answers,
    withdraw_consent,
)
from diversity.services.report_settings import (
    UnableToChangeReport,
    add_question,
    remove_question,
    set_target,
    set_threshold,
)
from diversity.services.reports import BuildOutcome, build_report, request_build

__all__ = [
    "AnswerData",
    "BuildOutcome",
    "UnableToChangeReport",
    "UnableToSaveAnswers",
    "add_question",
    "build_report",
    "remove_question",
    "request_build",
    "save_answers",
    "set_target",
    "set_threshold",
    "withdraw_consent",
]
