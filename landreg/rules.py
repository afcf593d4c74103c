"""Turns the database's land rules into sentences a person can act on.

The rules themselves live in PostGIS (each app's sql/ folder). Here they get a field to attach to and a
translatable explanation; the database adds the specifics (which plot, how many m²).
"""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.utils.translation import gettext_lazy as _

# rule name -> (form field the error belongs to, what is wrong and what to do)
RULES = {
    "township_geometry_valid": (
        "geom",
        _("The township boundary is not a valid polygon. Redraw it without crossing lines."),
    ),
    "block_geometry_valid": ("geom", _("The block outline is not a valid polygon. Redraw it without crossing lines.")),
    "plot_geometry_valid": (
        "geom",
        _("The plot outline is not a valid polygon. Redraw it without crossing lines or repeated corners."),
    ),
    "facility_geometry_valid": ("geom", _("The facility's location or outline is not a valid geometry.")),
    "block_inside_township": ("geom", _("The block must lie inside its township. Move or reshape it.")),
    "plot_inside_township": ("geom", _("The plot must lie inside its township. Move or reshape it.")),
    "plot_inside_block": (
        "geom",
        _("The plot must lie inside its block. Move or reshape it, or choose another block."),
    ),
    "plot_block_in_same_township": (
        "block",
        _("The block belongs to another township. Choose a block of this township."),
    ),
    "plots_do_not_overlap": (
        "geom",
        _(
            "Plots of one township must not overlap (sharing an edge is fine). "
            "Reshape the plot so it no longer covers its neighbour."
        ),
    ),
    "plot_number_unique_in_township": ("number", _("A plot with this number already exists in this township.")),
    "block_code_unique_in_township": ("code", _("A block with this code already exists in this township.")),
    "one_active_allocation_per_plot": (
        "plot",
        _("This plot already has an active allocation; revoke it with a reason before allocating the plot again."),
    ),
    "one_active_allocation_per_household": (
        "household",
        _("This household already holds an active allocation; a household may hold only one plot nationwide."),
    ),
    "allocations_are_never_deleted": (
        None,
        _("Allocations are never deleted. Revoke the allocation with a reason instead."),
    ),
    "allocated_plot_keeps_its_outline": (
        "geom",
        _(
            "This plot holds an active allocation, so its outline cannot change here. Move it through a layout "
            "import and confirm the move, or end the allocation first."
        ),
    ),
    "ended_allocation_is_final": (
        "status",
        _("This allocation has ended and cannot be reopened; propose a new allocation instead."),
    ),
    "allocation_parties_are_fixed": (
        None,
        _("An allocation cannot be moved to another plot or household; revoke it and propose a new one."),
    ),
    "revoked_allocation_has_reason": (
        "revocation_reason",
        _("A revoked allocation needs a revocation reason and an end date."),
    ),
    "approval_by_a_checker": (
        None,
        _(
            "The user who registered the household or proposed the allocation cannot "
            "approve it; another committee member must."
        ),
    ),
    "handover_has_gps_point": (
        "handover_point",
        _("A handed-over allocation needs the GPS point taken on the plot at handover."),
    ),
    "allocation_transitions_are_append_only": (None, _("The workflow log is evidence and cannot be changed.")),
    "issued_documents_are_append_only": (
        None,
        _("An issued letter or deed cannot be changed; re-issue it with a reason, which supersedes it."),
    ),
    # allocations/sql/0014_documents_issued_once.sql and allocations/models.py
    "document_issued_once_per_allocation_and_kind": (
        None,
        _(
            "This allocation already has a document of this kind; print it again, or re-issue it with a reason, "
            "which supersedes it."
        ),
    ),
    "document_superseded_once": (None, _("This document was already re-issued; re-issue the current one instead.")),
    "reissued_document_has_reason": (
        "reissue_reason",
        _("A re-issued document names the document it supersedes and the reason: lost, damaged or corrected."),
    ),
    "reissue_supersedes_same_allocation_and_kind": (
        None,
        _("A re-issue supersedes a document of the same allocation and kind."),
    ),
    "document_prints_are_append_only": (
        None,
        _("The log of printed letters and deeds is evidence and cannot be changed."),
    ),
    "drawn_ballot_is_immutable": (None, _("This ballot was drawn in public; nothing about it can be changed.")),
    "ballot_seed_is_fixed": (None, _("A ballot's seed is recorded before the draw and cannot be changed.")),
    "ballot_result_comes_from_the_draw": (None, _("A ballot's result can only come from the draw itself.")),
    "approved_allocation_has_decision_reference": (
        "decision_reference",
        _("An approved allocation needs the committee decision reference."),
    ),
    # Shelters (docs/domain.md, rule 9; shelters/sql/0002_shelter_rules.sql)
    "shelter_project_needs_active_allocation": (
        "plot",
        _(
            "A shelter can be built only on a plot allocated to this household (approved or later); "
            "complete or reinstate the allocation first."
        ),
    ),
    "one_open_shelter_project_per_plot": ("plot", _("This plot already has a shelter project.")),
    "shelter_stages_pass_in_order": (
        "stage",
        _("Construction stages pass in order: inspect and pass the earlier stages first."),
    ),
    "inspections_are_append_only": (
        None,
        _("An inspection and its photos are evidence and cannot be changed; record a new inspection instead."),
    ),
    "tranche_paid_after_passed_inspection": (
        "stage",
        _(
            "A tranche is paid only after a passed inspection of its stage, with at least one photo and a GPS "
            "point taken on the plot."
        ),
    ),
    "paid_tranche_is_final": (None, _("This tranche was paid; a paid tranche cannot be changed or deleted.")),
    "photo_hash_used_once": (
        "photos",
        _("This photo was already submitted; take a new photo of the work as it is today."),
    ),
    # allocations/sql/0013_workflow_second_line.sql
    "status_changes_with_a_transition": (
        "status",
        _(
            "An allocation's status changes only through a workflow step, which records who, when and why. Use the "
            "step (approve, assign, …) instead of editing the status."
        ),
    ),
    "approval_by_a_committee_member_in_scope": (
        None,
        _("Only an active committee member whose provinces include this township's province can approve it."),
    ),
    "plot_status_follows_the_workflow": (
        "status",
        _(
            "A plot's status follows its allocation: a plot held by an allocation changes status only through the "
            "workflow, and a GIS specialist may only set planned, available or cancelled on a free plot."
        ),
    ),
    # shelters/sql/0004_imported_visits_name_their_uploader.sql
    "imported_visit_names_its_uploader": (
        None,
        _(
            "A visit imported from KoboToolbox or ODK Central must name who uploaded it. Import the export "
            "through landreg's field import (the API or the import_field_submissions command), which records it."
        ),
    ),
    # shelters/sql/0006_closed_review_is_final.sql and the model's CHECK constraint
    "closed_review_is_final": (
        "review",
        _(
            "This review is closed; a closed review cannot be changed or reopened. Raise a new one if the problem is "
            "back."
        ),
    ),
    "closed_review_has_outcome_and_note": (
        None,
        _("A review is closed with who closed it, the outcome and a note saying what was found and done."),
    ),
    "review_outcome_is_one_of_the_choices": (
        "outcome",
        _(
            "Choose the outcome from the list: resolved on site, allocation to be revoked, unfounded, or referred "
            "to the committee."
        ),
    ),
    # Grievances, disputes and appeals (docs/grievances.md; grievances/sql/0002_grievance_rules.sql, the models)
    "grievance_steps_are_append_only": (
        None,
        _("A grievance's steps are its record and cannot be changed or deleted; add a new step instead."),
    ),
    "grievance_status_changes_with_a_step": (
        "status",
        _(
            "A grievance's status changes only through a step, which records who, when and why. Use the action "
            "(acknowledge, review, refer, resolve, close) instead of editing the status."
        ),
    ),
    "grievance_transitions_in_order": (
        "status",
        _(
            "A grievance moves in order: received, acknowledged, under review, referred, resolved, closed. Take the "
            "steps before this one first."
        ),
    ),
    "grievance_resolved_with_a_decision": (
        "status",
        _(
            "A land dispute is resolved with the committee's decision (upheld, rejected or settled), and an appeal "
            "only once it is decided and checked; record the decision instead."
        ),
    ),
    "sensitive_grievance_text_sealed": (
        "description",
        _(
            "A sensitive grievance's description and notes are kept sealed (encrypted), never in clear; write them "
            "through landreg, which seals them."
        ),
    ),
    "sensitive_categories_are_sensitive": (
        "sensitive",
        _("Complaints about staff conduct, sexual exploitation and abuse, or data protection are always sensitive."),
    ),
    "grievance_sensitivity_is_fixed": (
        "sensitive",
        _(
            "A grievance's sensitivity is decided when it is received and cannot change; record a new, sensitive "
            "grievance and close this one with a note."
        ),
    ),
    "grievance_reference_format": (
        "reference",
        _("A grievance reference is G-XXXX-XXXX, from landreg's generator; it cannot be typed in or changed."),
    ),
    "plot_not_allocated_while_disputed": (
        "plot",
        _(
            "This plot has an open land dispute: it cannot be allocated, handed over or transferred until the "
            "dispute is decided."
        ),
    ),
    "land_dispute_decision_recorded": (
        "decision",
        _("A land dispute's decision is upheld, rejected or settled, with who decided it and when."),
    ),
    "land_dispute_decision_is_final": (
        "decision",
        _("This land dispute was decided; its decision, plot and outline cannot change. Open a new dispute."),
    ),
    "grievances_are_never_deleted": (
        None,
        _("A grievance, its land dispute and its appeal are never deleted; close the grievance instead."),
    ),
    "land_dispute_outline_valid": (
        "claimed_outline",
        _("The claimed outline is not a valid polygon. Redraw it without crossing lines."),
    ),
    "appeal_against_a_refusal_or_revocation": (
        "allocation",
        _("Only a refusal (a rejected proposal) or a revocation can be appealed; choose that allocation."),
    ),
    "one_open_appeal_per_allocation": (
        "allocation",
        _("This refusal or revocation is already under appeal; follow that appeal instead."),
    ),
    "appeal_decision_is_final": (
        "decision",
        _("This appeal was decided and checked; its decision is final."),
    ),
    "appeal_decision_recorded": (
        "decision",
        _("An appeal's decision is upheld or dismissed, with the committee member who decided it."),
    ),
    "appeal_decided_by_another_committee_member": (
        None,
        _(
            "An appeal is decided by a committee member of the province other than the one who made the decision "
            "appealed and other than who lodged it, and checked by yet another committee member."
        ),
    ),
    # Returns and displacement (docs/movements.md; movements/sql/0002_movement_rules.sql and movements/models.py)
    "arrival_destination_in_afghanistan": (
        "destination_province",
        _(
            "The destination must be a province of Afghanistan and, if a district is given, one of that province's "
            "districts. Choose them again from the lists."
        ),
    ),
    "family_arrival_has_members": (
        "members",
        _(
            "A family arrives with at least two members, and someone travelling alone is one member. Record the "
            "members, or change how they travel."
        ),
    ),
    "avr_arrival_has_repatriation_form": (
        "repatriation_form",
        _("An assisted voluntary repatriation needs the repatriation form's number."),
    ),
    "one_head_per_arrival": ("members", _("Mark one member, and only one, as the head.")),
    "flow_counts_not_negative": (None, _("A count cannot be negative.")),
    "flow_count_split_adds_up": (
        None,
        _(
            "The split by sex, and by sex and age band, must add up to the total (and each sex's age bands to that "
            "sex). Give the whole split, or none."
        ),
    ),
    "one_flow_count_per_key": (
        None,
        _(
            "This day already has a count for this crossing point, direction, category, way of travelling and "
            "source. Enter or import the day again to replace it."
        ),
    ),
    "idp_site_inside_its_province": (
        "geom",
        _("The site must lie in its province (and district). Move it, or choose the province and district it is in."),
    ),
    "site_estimate_not_negative": (None, _("A number of people cannot be negative.")),
    "one_estimate_per_site_and_round": (
        "round",
        _("This site already has an estimate for this assessment round; correct that one."),
    ),
    "household_location_in_afghanistan": (
        "province",
        _("The place must be a province of Afghanistan and, if a district is given, one of its districts."),
    ),
    "location_status_names_its_place": (
        None,
        _(
            "Name the place: the site for “in a site”, the crossing point for “arrived at the border”; a move is to "
            "another province."
        ),
    ),
    "household_location_history_is_append_only": (
        None,
        _("A household's location history is never changed or deleted; record a new entry instead."),
    ),
    "return_evidence_recorded_once": (
        None,
        _("This record already proves the return of another household; it cannot prove two."),
    ),
    "crossing_point_precision_positive": ("precision_km", _("Give the position's precision in km, above zero.")),
    # Livelihoods (livelihoods/sql/0002_livelihood_rules.sql and the models' constraints).
    "skills_profile_for_15_and_over": (
        "person",
        _(
            "A skills profile is for a person aged 15 or over. Record the person's date of birth first; a younger "
            "person has no profile."
        ),
    ),
    "skills_profile_travel_km_positive": (
        "max_travel_km",
        _("The furthest a person can travel is a distance in km, zero or more."),
    ),
    "occupation_once_per_profile": ("occupations", _("Each occupation is listed once; give its years once.")),
    "occupation_years_plausible": ("occupations", _("Years of experience are between 0 and 80.")),
    "opportunity_places_filled_within_offered": (
        "places_offered",
        _(
            "An opportunity cannot have more places filled than it offers. Offer at least as many places as the "
            "people already accepted or enrolled."
        ),
    ),
    "opportunity_ends_after_it_starts": ("end_on", _("The opportunity ends on or after the day it starts.")),
    "opportunity_has_a_point_or_an_area": (
        "point",
        _("Give where the opportunity is: a point (a workshop, an office) or an area (a canal, a field), not both."),
    ),
    "opportunity_age_range_valid": (
        "age_min",
        _("The age range starts at 15 or more and its upper end is not below its lower end."),
    ),
    "opportunity_eligibility_codes_known": (
        "categories",
        _("Choose the household categories and vulnerability priorities from their lists."),
    ),
    "cash_for_work_has_wage_and_days": (
        "daily_wage",
        _("Cash for work needs a daily wage above zero and the number of days offered."),
    ),
    "opportunity_inside_its_province": (
        "point",
        _(
            "The opportunity must lie in its province: its point or area inside the province's boundary, and its "
            "township and district in that province."
        ),
    ),
    "opportunity_isco_codes_known": ("isco_codes", _("The skills asked for must be ISCO-08 codes from the list.")),
    "opportunity_places_filled_is_counted": (
        "places_filled",
        _(
            "Places filled are counted from the referrals accepted, enrolled or completed; record the referral's "
            "step instead of typing the number."
        ),
    ),
    "referral_meets_the_eligibility": (
        "person",
        _("This person does not meet the opportunity's eligibility, so they cannot be referred to it."),
    ),
    "one_referral_per_person_and_opportunity": (
        "person",
        _("This person has already been put forward for this opportunity; follow that referral instead."),
    ),
    "referral_status_follows_its_steps": (
        "status",
        _("A referral starts as suggested and its status changes only by recording a step (who, when, why)."),
    ),
    "referral_steps_follow_the_states": (
        "to_status",
        _(
            "A referral goes suggested → referred → accepted → enrolled → completed, or ends refused or dropped "
            "out, with a reason, each step dated on or after the one before."
        ),
    ),
    "places_filled_never_exceed_places_offered": (
        None,
        _(
            "Every place of this opportunity is taken (or it is closed); nobody else can be accepted or enrolled. "
            "Ask the provider to offer more places, or refer the person to another opportunity."
        ),
    ),
    "referral_steps_are_append_only": (None, _("A referral's steps are its history and cannot be changed.")),
    "attendance_for_enrolled_cash_for_work": (
        "referral",
        _("Attendance is kept for a person enrolled in a cash-for-work opportunity, for weeks within its period."),
    ),
    "attendance_within_days_offered": (
        "days_worked",
        _("The days worked would exceed the days the opportunity offers; check the attendance sheet."),
    ),
    "attendance_days_within_the_week": ("days_worked", _("A week has at most 6 working days (Saturday to Thursday).")),
    "attendance_week_starts_on_saturday": ("week_start", _("A week of attendance starts on a Saturday.")),
    "attendance_once_per_person_and_week": (
        "week_start",
        _("This week is already recorded for this person; correct it while it is unpaid."),
    ),
    "paid_attendance_is_final": (None, _("This week was paid; a paid week cannot be changed or deleted.")),
    "survey_answer_within_its_scale": (
        "answers",
        _("Each answer must be one of its question's choices, under the round's scoring version."),
    ),
    "survey_answers_are_append_only": (None, _("A survey round's answers are evidence and cannot be changed.")),
    "survey_round_follows_its_handover": (
        "allocation",
        _(
            "A reintegration round counts from the handover of the household's own allocation, and is conducted "
            "on or after the handover."
        ),
    ),
    "one_survey_round_per_allocation": (
        "round",
        _("This round has already been recorded for this household."),
    ),
    "one_open_survey_assignment": ("round", _("This round is already assigned to a field officer.")),
    "matching_weights_not_all_zero": ("weight_skills", _("At least one of the matching weights is above zero.")),
    "matching_distances_positive": (
        "walking_km",
        _("The walking distance is zero or more, and the default furthest travel is beyond it."),
    ),
    # Planning: rasters, access layers, thresholds, plot sites (docs/planning.md; planning/sql/0002_site_rules.sql
    # and planning/models.py).
    "access_feature_geometry_valid": (
        "geom",
        _("The location is not a valid geometry; a road needs at least two distinct points. Redraw it."),
    ),
    "access_feature_inside_its_province": (
        "geom",
        _("The feature must lie in its province (within 1 km of its boundary). Move it or choose its province."),
    ),
    "access_feature_in_login_provinces": (
        "province",
        _("This GIS login edits water points, roads and services of its own provinces only."),
    ),
    "viability_thresholds_are_fixed": (
        None,
        _("A version of the viability thresholds is never changed or deleted; set a new version instead."),
    ),
    "one_active_viability_thresholds": (
        "active",
        _("Only one version of the viability thresholds is active at a time."),
    ),
    "viability_thresholds_in_range": (
        None,
        _("Slopes and shares are percentages from 0 to 100 (the mean slope above 0), and distances above 0 m."),
    ),
    "flood_raster_has_classes": (
        "flood_classes",
        _("A flood raster needs its legend: which pixel value is which hazard (none, low, medium, high)."),
    ),
    "raster_resolution_positive": ("resolution_m", _("A raster's pixel size is above 0 m.")),
    "plot_site_flood_hazard_known": ("flood_hazard", _("A plot's flood hazard is none, low, medium or high.")),
}


def rule_message(rule: str):
    """The sentence for a rule (lazy, so it is translated when shown)."""
    return RULES[rule][1]


def rule_error(rule: str, detail: str = "") -> ValidationError:
    """A ValidationError for a broken rule, attached to its field, with the database's specifics appended."""
    field, sentence = RULES.get(rule, (None, _("The change breaks the rule “%(rule)s”.") % {"rule": rule}))
    message = f"{sentence} Details: {detail}." if detail else str(sentence)
    error = ValidationError(message, code=rule)
    return ValidationError({field: [error]}) if field else error


def errors_from_violations(violations) -> ValidationError | None:
    """Collect (rule, detail) rows from a *_rule_violations() SQL function into one ValidationError."""
    by_field: dict = {}
    for rule, detail in violations:
        error = rule_error(rule, detail)
        for field, errors in error.error_dict.items() if hasattr(error, "error_dict") else [(None, [error])]:
            by_field.setdefault(field or "__all__", []).extend(errors)
    return ValidationError(by_field) if by_field else None


@contextmanager
def database_rules_explained():
    """Re-raise a database refusal that names one of our rules as a readable ValidationError.

    Some services check a rule first with full_clean(), for a sentence before the write; others (the allocation
    workflow) leave the rules to the database, and this words its refusal the same way. It also catches what only
    the database can see, such as a concurrent transaction that took the plot a moment ago.
    """
    try:
        yield
    except DatabaseError as exc:
        cause = exc.__cause__
        diag = getattr(cause, "diag", None)
        rule = getattr(diag, "constraint_name", None)
        if rule not in RULES:
            raise
        primary = getattr(diag, "message_primary", "") or ""
        detail = primary.split(": ", 1)[1] if primary.startswith(rule + ": ") else ""
        raise rule_error(rule, detail) from exc
