"""Overdue grievances escalate to the next role, once per level, and those people are told by mail."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from grievances import selectors, services
from grievances.models import Grievance

pytestmark = pytest.mark.django_db


def receive(people, provinces, days_ago, **fields):
    values = {
        "by": people["field"],
        "channel": "field_visit",
        "category": "shelter_payment",
        "description": "Tranche not paid.",
        "province": provinces["nangarhar"],
        "received_at": timezone.now() - datetime.timedelta(days=days_ago),
    }
    values.update(fields)
    return services.grievance_receive(**values)


def test_overdue_is_a_missed_deadline_of_an_open_grievance(people, provinces):
    late = receive(people, provinces, days_ago=4)  # not acknowledged within 72 hours
    fresh = receive(people, provinces, days_ago=1)
    acknowledged = services.grievance_transition(
        grievance=receive(people, provinces, days_ago=4), action="acknowledge", by=people["officer_nangarhar"]
    )

    assert list(Grievance.objects.overdue()) == [late]
    assert acknowledged.next_due == acknowledged.resolve_due
    assert fresh not in Grievance.objects.overdue()
    assert acknowledged in Grievance.objects.overdue(now=acknowledged.resolve_due + datetime.timedelta(seconds=1))


def test_the_overdue_list_is_scoped_and_most_overdue_first(people, provinces):
    older = receive(people, provinces, days_ago=20)
    newer = receive(people, provinces, days_ago=5)
    receive(people, provinces, days_ago=10, province=provinces["herat"], by=people["officer_herat"])

    assert list(selectors.overdue_grievances(people["officer_nangarhar"])) == [older, newer]
    assert len(selectors.overdue_grievances(people["officer_herat"])) == 1
    assert not selectors.overdue_grievances(people["gis"]).exists()


def test_reminders_escalate_once_per_level_and_tell_the_next_role(
    people, provinces, settings, django_capture_on_commit_callbacks
):
    settings.LANDREG_GRIEVANCE_ESCALATE_AFTER_DAYS = 3
    g = receive(people, provinces, days_ago=4)  # 1 day overdue: level 1

    with django_capture_on_commit_callbacks(execute=True):  # the mail goes once the step is committed
        call_command("grievance_reminders", stdout=io.StringIO())
        call_command("grievance_reminders", stdout=io.StringIO())

    g.refresh_from_db()
    assert g.escalation_level == 1
    step = g.steps.get(action="escalate")
    assert step.by is None and step.escalation_level == 1 and "focal.n" in step.note
    assert [m.to for m in mail.outbox] == [["focal.n@example.org"]]
    assert g.reference in mail.outbox[0].subject and "Tranche not paid" not in mail.outbox[0].body

    later = timezone.now() + datetime.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.grievances_escalate_overdue(now=later) == 1
        assert services.grievances_escalate_overdue(now=later) == 0
    g.refresh_from_db()
    assert g.escalation_level == 2 and g.steps.filter(action="escalate").count() == 2
    assert mail.outbox[-1].to == ["admin.n@example.org"]


def test_a_sensitive_reminder_names_no_category(people, provinces, django_capture_on_commit_callbacks):
    receive(people, provinces, days_ago=2, category="sea", description="Abuse.", by=people["focal"])

    with django_capture_on_commit_callbacks(execute=True):
        assert services.grievances_escalate_overdue() == 1  # not referred within 24 hours

    body = mail.outbox[0].body
    assert "a sensitive grievance" in body and "exploitation" not in body and "Abuse" not in body


def test_a_resolved_grievance_is_never_escalated(people, provinces):
    g = receive(people, provinces, days_ago=4)
    officer = people["officer_nangarhar"]
    g = services.grievance_transition(grievance=g, action="acknowledge", by=officer)
    services.grievance_transition(grievance=g, action="resolve", by=officer, note="Paid.")

    assert services.grievances_escalate_overdue(now=timezone.now() + datetime.timedelta(days=60)) == 0
