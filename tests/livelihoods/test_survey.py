"""The reintegration survey: rounds counted from the handover, answers on their scales refused with a sentence,
scores from the versioned table, rounds due assigned to field officers, the XLSForm that pyxform accepts."""

import datetime
import io
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from pyxform.xls2xform import convert

from livelihoods.models import SurveyAnswer, SurveyRound
from livelihoods.selectors import survey_assignments_of, survey_rounds_due
from livelihoods.services import round_due_on, survey_assignment_create, survey_round_record
from livelihoods.survey import LIVES_ON_PLOT, questions, score
from livelihoods.xlsform import xlsform_bytes


def good_answers(**changes):
    answers = {q["code"]: q["max"] for q in questions()}
    answers.update(changes)
    return answers


def test_a_round_is_recorded_and_scored_by_the_database_as_the_table_says(handed_over, field_officer):
    answers = good_answers(debt=2, safety=1, intention_to_migrate=0, school=3)
    r = survey_round_record(allocation=handed_over, round="baseline", answers=answers, by=field_officer)
    expected = score(answers)
    assert (r.score_economic, r.score_social, r.score_psychosocial, r.score_composite) == (
        expected["economic"],
        expected["social"],
        expected["psychosocial"],
        expected["composite"],
    )
    # "no school-age children" does not count: the social score is that of the other answers
    assert expected["social"] == 100


def test_an_answer_outside_its_scale_is_refused_and_nothing_is_written(handed_over, field_officer):
    with pytest.raises(ValidationError) as exc:
        survey_round_record(allocation=handed_over, round="baseline", answers=good_answers(safety=5), by=field_officer)
    assert "the answer to safety is 5; choose 0 to 2" in str(exc.value)
    with pytest.raises(ValidationError, match="not answered"):
        answers = good_answers()
        del answers["debt"]
        survey_round_record(allocation=handed_over, round="baseline", answers=answers, by=field_officer)
    with pytest.raises(ValidationError, match="not questions of the survey"):
        survey_round_record(
            allocation=handed_over, round="baseline", answers=good_answers(favourite_colour=1), by=field_officer
        )
    with pytest.raises(ValidationError, match="choose 0 to 2"):
        survey_round_record(
            allocation=handed_over, round="baseline", answers=good_answers(safety="2"), by=field_officer
        )
    assert not SurveyRound.objects.exists() and not SurveyAnswer.objects.exists()


def test_a_resent_round_returns_the_first(handed_over, field_officer):
    key = uuid.uuid4()
    first = survey_round_record(
        allocation=handed_over, round="baseline", answers=good_answers(), by=field_officer, client_uuid=key
    )
    again = survey_round_record(
        allocation=handed_over, round="baseline", answers=good_answers(), by=field_officer, client_uuid=key
    )
    assert first.pk == again.pk and SurveyRound.objects.count() == 1


def test_a_round_is_recorded_once_and_not_before_the_handover(handed_over, field_officer, plots, make_household, users):
    survey_round_record(allocation=handed_over, round="baseline", answers=good_answers(), by=field_officer)
    with pytest.raises(ValidationError, match="already been recorded"):
        survey_round_record(allocation=handed_over, round="baseline", answers=good_answers(), by=field_officer)
    with pytest.raises(ValidationError, match="Details: handed over on"):
        pass_day = handed_over.start_date - datetime.timedelta(days=1)
        survey_round_record(
            allocation=handed_over, round="m3", answers=good_answers(), by=field_officer, conducted_on=pass_day
        )
    from allocations.services import allocation_propose

    proposed = allocation_propose(household=make_household(), plot=plots[1], proposed_by=users["officer_nangarhar"])
    with pytest.raises(ValidationError, match="not been handed over"):
        survey_round_record(allocation=proposed, round="baseline", answers=good_answers(), by=field_officer)


def test_a_partner_or_an_officer_of_another_province_cannot_record_a_round(handed_over, users):
    for user in (users["partner"], users["officer_herat"]):
        with pytest.raises(PermissionDenied):
            survey_round_record(allocation=handed_over, round="baseline", answers=good_answers(), by=user)


def test_rounds_fall_due_3_6_and_12_months_after_handover(handed_over):
    start = handed_over.start_date
    assert round_due_on(handed_over, "baseline") == start
    handed_over.start_date = datetime.date(2025, 11, 30)
    assert round_due_on(handed_over, "m3") == datetime.date(2026, 2, 28)
    assert round_due_on(handed_over, "m12") == datetime.date(2026, 11, 30)


def test_rounds_due_are_listed_and_assigned_to_a_field_officer(handed_over, users, field_officer):
    officer = users["officer_nangarhar"]
    due = survey_rounds_due(officer)
    assert [(r["allocation_id"], r["round"]) for r in due] == [(handed_over.pk, "baseline")]
    in_a_year = survey_rounds_due(officer, on=timezone.localdate() + datetime.timedelta(days=366))
    assert [r["round"] for r in in_a_year] == ["baseline", "m3", "m6", "m12"]
    assert survey_rounds_due(users["officer_herat"]) == []
    assignment = survey_assignment_create(officer=field_officer, allocation=handed_over, round="baseline", by=officer)
    assert survey_rounds_due(officer)[0]["officer_id"] == field_officer.pk
    assert list(survey_assignments_of(field_officer)) == [assignment]
    survey_round_record(allocation=handed_over, round="baseline", answers=good_answers(), by=field_officer)
    assignment.refresh_from_db()
    assert assignment.done_at is not None and survey_rounds_due(officer) == []
    with pytest.raises(ValidationError, match="not a field officer"):
        survey_assignment_create(officer=users["committee"], allocation=handed_over, round="m3", by=officer)
    with pytest.raises(PermissionDenied):
        survey_rounds_due(users["partner"])


def test_the_xlsform_passes_pyxform_with_every_question_and_choice(db):
    warnings = []
    xml = convert(xlsform=io.BytesIO(xlsform_bytes()), file_type=".xlsx", warnings=warnings).xform
    assert "landreg_reintegration" in xml
    for q in questions():
        assert f"/{q['code']}" in xml
    assert f"/{LIVES_ON_PLOT}" in xml and "/household_ref" in xml
    assert "instanceID" in xml
    assert not [w for w in warnings if "error" in w.lower()], warnings
