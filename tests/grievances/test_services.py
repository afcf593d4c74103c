"""Grievance services: receiving, the steps in order, deadlines, assignment, partner referrals, sealing."""

import datetime
import re
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from grievances import selectors, services
from grievances.models import DeadlinePolicy, Grievance, GrievanceStep
from grievances.references import ALPHABET

pytestmark = pytest.mark.django_db


def receive(people, provinces, **fields):
    values = {
        "by": people["officer_nangarhar"],
        "channel": "office",
        "category": "other",
        "description": "The water point near block A is broken.",
        "province": provinces["nangarhar"],
    }
    values.update(fields)
    return services.grievance_receive(**values)


def test_a_grievance_gets_a_reference_an_owner_and_deadlines_from_the_policy(people, provinces):
    before = timezone.now()
    g = receive(people, provinces)

    assert re.fullmatch(rf"G-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}", g.reference)
    assert not set("01OIL") & set(g.reference[2:].replace("-", ""))
    assert g.status == "received" and g.assigned_to == people["officer_nangarhar"]
    assert g.acknowledge_due - g.received_at == datetime.timedelta(hours=72)
    assert g.resolve_due - g.received_at == datetime.timedelta(days=30)
    assert g.refer_due is None and g.next_due == g.acknowledge_due
    assert before <= g.received_at <= timezone.now()
    step = g.steps.get()
    assert (step.action, step.from_status, step.to_status, step.by) == (
        "receive",
        "",
        "received",
        people["officer_nangarhar"],
    )


def test_a_sensitive_grievance_must_be_referred_within_24_hours_and_its_text_is_sealed(people, provinces):
    g = receive(people, provinces, category="sea", description="An officer asked for a bribe.")

    assert g.sensitive and g.priority == "high"
    assert g.description == "" and bytes(g.description_sealed).startswith(b"gAAAA")
    assert g.refer_due - g.received_at == datetime.timedelta(hours=24)
    assert g.next_due == g.refer_due
    assert g.assigned_to == people["focal"]  # the province's focal point owns it


def test_an_administrator_changes_a_deadline_for_grievances_received_afterwards(people, provinces):
    # Seeded by the migration; a test that empties the database (a live server's) takes the seed away, and a
    # missing row means the defaults.
    policy, _ = DeadlinePolicy.objects.get_or_create(category="shelter_payment", sensitive=False)
    policy.acknowledge_hours, policy.resolve_days = 24, 14
    policy.save()

    g = receive(people, provinces, category="shelter_payment")

    assert g.acknowledge_due - g.received_at == datetime.timedelta(hours=24)
    assert g.resolve_due - g.received_at == datetime.timedelta(days=14)


def test_the_steps_go_in_order_and_each_is_recorded(people, provinces):
    g = receive(people, provinces)
    officer = people["officer_nangarhar"]
    for action, status in [("acknowledge", "acknowledged"), ("review", "under_review")]:
        g = services.grievance_transition(grievance=g, action=action, by=officer)
        assert g.status == status
    g = services.grievance_transition(grievance=g, action="refer", by=officer, referred_to="District court")
    g = services.grievance_transition(grievance=g, action="resolve", by=officer, note="The court ruled; pump fixed.")
    g = services.grievance_transition(grievance=g, action="close", by=officer)
    g = services.grievance_transition(grievance=g, action="close_loop", by=officer, note="Told by phone.")

    assert g.status == "closed" and g.loop_closed_at is not None
    assert g.acknowledged_at and g.referred_at and g.resolved_at and g.closed_at and g.next_due is None
    assert g.referred_to == "District court"
    assert [(s.action, s.from_status, s.to_status) for s in g.steps.order_by("id")] == [
        ("receive", "", "received"),
        ("acknowledge", "received", "acknowledged"),
        ("review", "acknowledged", "under_review"),
        ("refer", "under_review", "referred"),
        ("resolve", "referred", "resolved"),
        ("close", "resolved", "closed"),
        ("close_loop", "closed", "closed"),
    ]


def test_an_out_of_order_transition_gets_a_sentence(people, provinces):
    g = receive(people, provinces)

    with pytest.raises(ValidationError) as refusal:
        services.grievance_transition(grievance=g, action="close", by=people["officer_nangarhar"])

    assert refusal.value.code == "invalid_transition"
    assert f"Grievance {g.reference} is received, so it cannot be closed" in refusal.value.messages[0]
    assert g.steps.count() == 1


def test_an_unknown_action_gets_a_sentence_naming_the_actions(people, provinces):
    g = receive(people, provinces)

    with pytest.raises(ValidationError) as refusal:
        services.grievance_transition(grievance=g, action="<script>", by=people["officer_nangarhar"])

    assert "acknowledge, review, refer, resolve, close, close_loop" in refusal.value.messages[0]


def test_resolving_needs_the_answer_and_referring_needs_to_whom(people, provinces):
    officer = people["officer_nangarhar"]
    g = services.grievance_transition(grievance=receive(people, provinces), action="acknowledge", by=officer)

    with pytest.raises(ValidationError, match="Write the note"):
        services.grievance_transition(grievance=g, action="resolve", by=officer, note="  ")
    with pytest.raises(ValidationError, match="Write the referral"):
        services.grievance_transition(grievance=g, action="refer", by=officer)


def test_out_of_scope_and_wrong_role_are_refused(people, provinces):
    with pytest.raises(PermissionDenied, match="outside your provinces"):
        receive(people, provinces, by=people["officer_herat"])
    with pytest.raises(PermissionDenied, match="Only a"):
        receive(people, provinces, by=people["gis"])
    with pytest.raises(PermissionDenied, match="Only a"):
        receive(people, provinces, by=people["partner"])
    g = receive(people, provinces)
    with pytest.raises(PermissionDenied, match="outside your provinces"):
        services.grievance_transition(grievance=g, action="acknowledge", by=people["officer_herat"])
    with pytest.raises(PermissionDenied):
        services.grievance_transition(grievance=g, action="acknowledge", by=people["field"])
    assert Grievance.objects.count() == 1


def test_a_sensitive_grievance_is_handled_by_the_focal_point_only(people, provinces):
    g = receive(people, provinces, category="staff_conduct", description="Rude officer.")

    with pytest.raises(PermissionDenied, match="sensitive: only the grievance focal point"):
        services.grievance_transition(grievance=g, action="acknowledge", by=people["officer_nangarhar"])
    with pytest.raises(PermissionDenied, match="sensitive"):
        services.grievance_transition(grievance=g, action="acknowledge", by=people["admin"])  # a superuser too
    g = services.grievance_transition(grievance=g, action="acknowledge", by=people["focal"], note="Called back.")

    step = g.steps.order_by("id").last()
    assert step.note == "" and step.note_sealed is not None


def test_hostile_html_is_kept_verbatim_as_data(people, provinces):
    text = '<script>alert("x")</script><img src=x onerror=alert(1)> =HYPERLINK("http://evil") \u202e'
    g = receive(people, provinces, description=text)

    assert Grievance.objects.get(pk=g.pk).description == text
    assert selectors.grievance_description(people["officer_nangarhar"], g) == text


def test_links_must_be_in_the_grievances_province(people, provinces, plots):
    with pytest.raises(ValidationError) as refusal:
        receive(people, provinces, province=provinces["herat"], plot=plots[0], by=people["admin"])
    assert "plot is in another province" in refusal.value.messages[0]


def test_the_province_comes_from_the_plot_when_not_given(people, provinces, plots):
    g = receive(people, provinces, province=None, plot=plots[0])
    assert g.province == provinces["nangarhar"] and g.township == plots[0].township


def test_bad_choices_get_sentences(people, provinces):
    for field, value in [("channel", "pigeon"), ("category", "x"), ("language", "de"), ("priority", "asap")]:
        with pytest.raises(ValidationError) as refusal:
            receive(people, provinces, **{field: value})
        assert field in refusal.value.message_dict, field
    with pytest.raises(ValidationError, match="Write the description"):
        receive(people, provinces, description="   ")
    with pytest.raises(ValidationError, match="characters long"):
        receive(people, provinces, description="x" * 10_001)
    assert not Grievance.objects.exists()


def test_an_anonymous_grievance_names_no_household(people, provinces, make_household):
    with pytest.raises(ValidationError, match="anonymous grievance names no household"):
        receive(people, provinces, anonymous=True, household=make_household())


def test_an_offline_form_sent_twice_is_recorded_once(people, provinces):
    form = uuid.uuid4()
    filled = timezone.now() - datetime.timedelta(days=2)
    first = receive(people, provinces, by=people["field"], client_uuid=form, received_at=filled)
    again = receive(people, provinces, by=people["field"], client_uuid=str(form), received_at=filled)

    assert first.pk == again.pk and Grievance.objects.count() == 1
    assert first.received_at == filled and first.acknowledge_due == filled + datetime.timedelta(hours=72)
    with pytest.raises(ValidationError, match="Another user"):
        receive(people, provinces, client_uuid=form)
    with pytest.raises(ValidationError, match="in the future"):
        receive(people, provinces, received_at=timezone.now() + datetime.timedelta(days=1))


def test_a_partner_refers_a_case_and_sees_only_its_status(people, provinces):
    g = services.grievance_refer_from_partner(
        by=people["partner"], category="shelter_payment", description="Tranche 2 unpaid.", province=provinces["herat"]
    )

    assert g.channel == "partner_referral" and g.referred_by == people["partner"] and g.received_by is None
    rows = list(selectors.grievances_referred_by(people["partner"]))
    assert rows == [
        {
            "reference": g.reference,
            "status": "received",
            "received_at": g.received_at,
            "acknowledged_at": None,
            "referred_at": None,
            "resolved_at": None,
            "closed_at": None,
            "loop_closed_at": None,
        }
    ]
    assert list(selectors.grievances_referred_by(people["officer_nangarhar"])) == []
    assert not selectors.grievances_for(people["partner"]).exists()
    with pytest.raises(PermissionDenied):
        services.grievance_refer_from_partner(
            by=people["officer_nangarhar"], category="other", description="x", province=provinces["nangarhar"]
        )


def test_assigning_goes_to_an_officer_of_the_province(people, provinces):
    g = receive(people, provinces, by=people["field"])
    assert g.assigned_to is None  # a field officer receives; the province's land officers own it until assigned

    with pytest.raises(ValidationError, match="does not work in"):
        services.grievance_assign(grievance=g, to=people["officer_herat"], by=people["officer_nangarhar"])
    with pytest.raises(ValidationError, match="cannot own this grievance"):
        services.grievance_assign(grievance=g, to=people["gis"], by=people["officer_nangarhar"])
    g = services.grievance_assign(grievance=g, to=people["committee2"], by=people["officer_nangarhar"])

    assert g.assigned_to == people["committee2"]
    assert g.steps.filter(action="assign").get().note == "committee2.n"


def test_a_sensitive_grievance_is_assigned_to_a_focal_point_only(people, provinces):
    g = receive(people, provinces, category="data_protection", description="My name was posted.")
    with pytest.raises(ValidationError, match="cannot own this grievance"):
        services.grievance_assign(grievance=g, to=people["officer_nangarhar"], by=people["administrator"])


def test_the_reference_is_drawn_again_on_a_collision(people, provinces, monkeypatch):
    first = receive(people, provinces)
    draws = iter([first.reference, "G-2345-6789"])
    monkeypatch.setattr(services, "new_reference", lambda: next(draws))

    second = receive(people, provinces)

    assert second.reference == "G-2345-6789"


def test_steps_cannot_be_changed_through_django(people, provinces):
    g = receive(people, provinces)
    step = g.steps.get()
    step.note = "rewritten"
    with pytest.raises(DatabaseError, match="grievance_steps_are_append_only"), transaction.atomic():
        step.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM grievances_grievancestep")
        assert cursor.fetchone()[0] == 1
    assert GrievanceStep.objects.get().note == ""


def test_without_a_policy_row_the_documented_defaults_apply(people, provinces):
    DeadlinePolicy.objects.filter(category="other").delete()

    g = receive(people, provinces)
    s = receive(people, provinces, sensitive=True)

    assert g.acknowledge_due - g.received_at == datetime.timedelta(hours=72)
    assert g.resolve_due - g.received_at == datetime.timedelta(days=30)
    assert s.refer_due - s.received_at == datetime.timedelta(hours=24)
