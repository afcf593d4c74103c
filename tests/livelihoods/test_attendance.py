"""Cash-for-work attendance: days per person per week, the pay due, and a week final once paid."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from livelihoods.models import AttendanceWeek
from livelihoods.selectors import payments_due
from livelihoods.services import attendance_pay, attendance_record, referral_step, referral_suggest, week_start


@pytest.fixture
def enrolled(post, profiled, users):
    o = post(
        kind="cash_for_work",
        title="Canal cleaning",
        daily_wage=450,
        days_offered=10,
        isco_codes=["9312"],
        start_on=timezone.localdate() - datetime.timedelta(days=21),
    )
    r = referral_suggest(opportunity=o, person=profiled(occupations=[("9313", 2)]), by=users["officer_nangarhar"])
    for status in ("referred", "accepted", "enrolled"):
        r = referral_step(referral=r, to_status=status, by=users["officer_nangarhar"])
    return r


def saturday(weeks_ago=0):
    return week_start(timezone.localdate()) - datetime.timedelta(days=7 * weeks_ago)


def test_days_worked_give_the_pay_due(enrolled, users):
    week = attendance_record(referral=enrolled, week_start=saturday(1), days_worked=5, by=users["partner"])
    assert week.amount_due == 2250
    week = attendance_record(referral=enrolled, week_start=saturday(1), days_worked=4, by=users["partner"])
    assert week.amount_due == 1800 and AttendanceWeek.objects.count() == 1
    assert list(payments_due(users["officer_nangarhar"])) == [week]
    assert list(payments_due(users["partner"])) == [week]
    assert list(payments_due(users["officer_herat"])) == []


def test_a_paid_week_is_final(enrolled, users):
    week = attendance_record(referral=enrolled, week_start=saturday(1), days_worked=5, by=users["partner"])
    attendance_pay(attendance=week, by=users["officer_nangarhar"], reference="HAWALA-7")
    with pytest.raises(ValidationError, match="This week was paid"):
        attendance_pay(attendance=week, by=users["officer_nangarhar"])
    with pytest.raises(ValidationError, match="This week was paid"):
        attendance_record(referral=enrolled, week_start=saturday(1), days_worked=6, by=users["partner"])
    week.refresh_from_db()
    assert week.days_worked == 5 and week.payment_reference == "HAWALA-7"
    assert list(payments_due(users["officer_nangarhar"])) == []


def test_the_days_offered_are_not_exceeded(enrolled, users):
    attendance_record(referral=enrolled, week_start=saturday(2), days_worked=6, by=users["partner"])
    with pytest.raises(ValidationError, match="6 days recorded, 5 more, 10 offered"):
        attendance_record(referral=enrolled, week_start=saturday(1), days_worked=5, by=users["partner"])


def test_bad_weeks_and_days_are_refused_with_a_sentence(enrolled, users):
    with pytest.raises(ValidationError, match="starts on a Saturday"):
        attendance_record(
            referral=enrolled, week_start=saturday(1) + datetime.timedelta(days=1), days_worked=2, by=users["partner"]
        )
    with pytest.raises(ValidationError, match="at most 6 working days"):
        attendance_record(referral=enrolled, week_start=saturday(1), days_worked=7, by=users["partner"])
    with pytest.raises(ValidationError, match="outside the opportunity's period"):
        attendance_record(referral=enrolled, week_start=saturday(10), days_worked=1, by=users["partner"])
    assert not AttendanceWeek.objects.exists()


def test_attendance_is_for_the_enrolled_and_its_provider(post, profiled, users, enrolled):
    o = enrolled.opportunity
    r = referral_suggest(opportunity=o, person=profiled(), by=users["officer_nangarhar"])
    with pytest.raises(ValidationError, match="the referral is suggested"):
        attendance_record(referral=r, week_start=saturday(1), days_worked=2, by=users["partner"])
    with pytest.raises(PermissionDenied):
        attendance_record(referral=enrolled, week_start=saturday(1), days_worked=2, by=users["officer_herat"])
    with pytest.raises(PermissionDenied):
        attendance_record(referral=enrolled, week_start=saturday(1), days_worked=2, by=users["committee"])
