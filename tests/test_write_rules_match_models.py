"""The write side's plain-Python rules agree with the tables they guard."""

from __future__ import annotations

from cfp import models, services
from cfp.domain import answers, redaction


def test_the_answer_kinds_are_the_question_kinds() -> None:
    assert {str(k) for k in answers.AnswerKind} == set(models.QuestionKind.values)


def test_the_reviewer_fields_are_columns_of_a_proposal_and_of_its_versions() -> None:
    for model in (models.Proposal, models.ProposalVersion):
        columns = {f.name for f in model._meta.get_fields()}
        assert set(redaction.REVIEWER_FIELDS) <= columns


def test_the_settings_data_is_named_after_the_columns_it_writes() -> None:
    for data, model in (
        (services.CallSettingsData, models.Call),
        (services.FormatData, models.Format),
        (services.TrackData, models.Track),
        (services.CriterionData, models.Criterion),
        (services.QuestionData, models.Question),
    ):
        columns = {f.name for f in model._meta.get_fields()}
        assert set(data.__dataclass_fields__) <= columns, data.__name__
