"""The read side of self-identification and diversity reports: frozen dataclasses, never rows.

``pseudonyms`` (report units), ``questions``, ``self_id`` (the person's own page, the only read of
one person's answers), ``report_inputs`` (what a build counts) and ``reports`` (published figures
read back). Inside the app, import the submodule; the names below are for tests and other callers.
"""

from diversity.queries.pseudonyms import PersonUnit, units_of_person
from diversity.queries.questions import QuestionRow, default_questions, question_key
from diversity.queries.report_inputs import CHANGE_MARGIN
from diversity.queries.reports import ReportPage, report_figures, report_page
from diversity.queries.self_id import SelfIdPage, self_id_page

__all__ = [
    "CHANGE_MARGIN",
    "PersonUnit",
    "QuestionRow",
    "ReportPage",
    "SelfIdPage",
    "default_questions",
    "question_key",
    "report_figures",
    "report_page",
    "self_id_page",
    "units_of_person",
]
