"""Writes for shelters: projects, assignments, inspections and occupancy checks from the field, tranche payments.

Each service checks the rule first and explains it; PostGIS enforces the same rules (sql/0002_shelter_rules.sql)
for every other client. Field submissions carry a client UUID: sending one again returns what it made the first
time, so a retry over a bad connection never makes a second inspection.
"""

import uuid as uuid_module
from datetime import date, timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from allocations.models import Allocation
from landreg import roles
from landreg.rules import database_rules_explained, rule_error
from landreg.services_common import require_province, require_role
from shelters.models import (
    DEFAULT_CHECKLIST,
    DEFAULT_STAGES,
    AllocationReview,
    FieldAssignment,
    Inspection,
    OccupancyCheck,
    Photo,
    PhotoFraudFlag,
    Programme,
    ShelterProject,
    Stage,
    Tranche,
)
from shelters.photos import SitePhoto, photo_compare, photo_read
from townships.models import Plot

# Allocation states in which the household holds the plot and may build (the database agrees:
# shelter_allocation_is_held()).
HELD = ["approved", "assigned", "letter_issued", "handed_over", "occupied", "titled"]
FIELD_ROLES = [roles.FIELD_OFFICER, roles.ADMINISTRATOR]
OFFICE_ROLES = [roles.LAND_OFFICER, roles.ADMINISTRATOR]


def inspection_tolerance_m() -> float:
    return float(settings.LANDREG_INSPECTION_TOLERANCE_M)


def plot_distance_m(plot: Plot, point: Point) -> float:
    """Metres from a point to the plot (0 inside), in the township's UTM zone (the database's own function)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT shelter_plot_distance_m(%s, ST_GeomFromEWKB(%s))", [plot.pk, bytes(point.ewkb)])
        return cursor.fetchone()[0]


def _field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def _scope(user, plot: Plot) -> None:
    require_province(user, plot.township.province_id, _("Township %(t)s") % {"t": plot.township})


def _resent_scope(user, plot: Plot) -> None:
    """A UUID sent again: refused outside the sender's provinces without naming the visit's township."""
    require_province(user, plot.township.province_id, _("This visit"))


def holds_nul(value) -> bool:
    """Whether a value (text, or a JSON object or list of them) holds a NUL character anywhere."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(holds_nul(v) for v in value)
    return False


def text_value(value, field: str) -> str:
    """A text field of a submission as a string: refused when it is not text or holds a NUL character (PostgreSQL
    stores no NUL in text; a fuzzer or a damaged export sends them)."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _field_error(field, _("%(field)s must be text.") % {"field": field}, "text_required")
    if holds_nul(value):
        raise _field_error(
            field, _("%(field)s holds a NUL character; remove it and send again.") % {"field": field}, "nul_character"
        )
    return value


# --- projects and tranches -------------------------------------------------------------------------------------


def programme_default() -> Programme:
    """The default programme (installed by migration 0002; made again here if a test flush removed it)."""
    programme, created = Programme.objects.get_or_create(code="default", defaults={"name": "Permanent shelter"})
    if created or not programme.stages.exists():
        for position, (code, name) in enumerate(DEFAULT_STAGES, start=1):
            Stage.objects.get_or_create(
                programme=programme,
                code=code,
                defaults={"position": position, "name": str(name), "checklist": DEFAULT_CHECKLIST[code]},
            )
    return programme


@transaction.atomic
def shelter_project_create(
    *,
    allocation: Allocation,
    implementing_partner: str,
    modality: str,
    by,
    programme: Programme | None = None,
    tranches: list[tuple[str, float]] = (),
) -> ShelterProject:
    """Start a shelter on an allocated plot, with the cash tranches each stage releases (stage code, amount)."""
    require_role(by, OFFICE_ROLES, _("start a shelter project"))
    allocation = Allocation.objects.select_related("plot__township", "household").get(pk=allocation.pk)
    _scope(by, allocation.plot)
    if allocation.status not in HELD:
        raise rule_error(
            "shelter_project_needs_active_allocation",
            _("the allocation of plot %(plot)s is %(status)s")
            % {"plot": allocation.plot.number, "status": allocation.get_status_display().lower()},
        )
    if ShelterProject.objects.filter(plot=allocation.plot).exclude(status=ShelterProject.Status.CANCELLED).exists():
        raise rule_error("one_open_shelter_project_per_plot", _("plot %(plot)s") % {"plot": allocation.plot.number})
    project = ShelterProject(
        plot=allocation.plot,
        household=allocation.household,
        allocation=allocation,
        programme=programme or programme_default(),
        implementing_partner=text_value(implementing_partner, "implementing_partner"),
        modality=text_value(modality, "modality"),
        created_by=by,
    )
    project.full_clean(exclude=["stage_reached"], validate_constraints=False)
    with database_rules_explained():
        project.save()
    for stage_code, amount in tranches:
        tranche_add(project=project, stage=stage_code, amount=amount, by=by)
    return project


def _stage(project: ShelterProject, stage) -> Stage:
    if isinstance(stage, Stage):
        if stage.programme_id != project.programme_id:
            raise _field_error("stage", _("This stage belongs to another programme."), "unknown_stage")
        return stage
    found = Stage.objects.filter(programme_id=project.programme_id, code=text_value(stage, "stage").strip()).first()
    if found is None:
        codes = ", ".join(project.programme.stages.values_list("code", flat=True))
        raise _field_error(
            "stage",
            _("“%(stage)s” is not a stage of this programme; the stages are %(codes)s.")
            % {"stage": stage, "codes": codes},
            "unknown_stage",
        )
    return found


def tranche_add(*, project: ShelterProject, stage, amount, by, currency: str = "AFN") -> Tranche:
    require_role(by, OFFICE_ROLES, _("plan a tranche"))
    _scope(by, project.plot)
    tranche = Tranche(project=project, stage=_stage(project, stage), amount=amount, currency=currency)
    tranche.full_clean(exclude=["released_by_inspection"])
    with database_rules_explained():
        tranche.save()
    return tranche


def releasing_inspection(tranche: Tranche) -> tuple[Inspection | None, str]:
    """The passed inspection that may release a tranche, or None and why none may."""
    passed = Inspection.objects.filter(project_id=tranche.project_id, stage_id=tranche.stage_id, result="pass")
    if not passed.exists():
        return None, _("stage %(stage)s has not passed an inspection") % {"stage": tranche.stage.name}
    with_photo = passed.filter(photos__isnull=False).distinct()
    if not with_photo.exists():
        return None, _("no passed inspection of stage %(stage)s has a photo") % {"stage": tranche.stage.name}
    tolerance = inspection_tolerance_m()
    for inspection in with_photo.filter(point__isnull=False).order_by("-inspected_on", "-id"):
        if plot_distance_m(tranche.project.plot, inspection.point) <= tolerance:
            return inspection, ""
    return None, _("no passed inspection of stage %(stage)s has a GPS point within %(tol).0f m of the plot") % {
        "stage": tranche.stage.name,
        "tol": tolerance,
    }


@transaction.atomic
def tranche_pay(*, tranche: Tranche, by, paid_on: date | None = None, reference: str = "") -> Tranche:
    """Record a tranche as paid: only after a passed inspection of its stage, with a photo, taken on the plot."""
    require_role(by, OFFICE_ROLES, _("record a tranche payment"))
    tranche = Tranche.objects.select_for_update().select_related("project__plot__township", "stage").get(pk=tranche.pk)
    _scope(by, tranche.project.plot)
    if tranche.paid_on is not None:
        raise rule_error("paid_tranche_is_final", _("paid on %(d)s") % {"d": tranche.paid_on.isoformat()})
    reference = text_value(reference, "reference")
    if len(reference) > Tranche._meta.get_field("payment_reference").max_length:
        raise _field_error(
            "reference",
            _("The payment reference is at most %(n)d characters.")
            % {"n": Tranche._meta.get_field("payment_reference").max_length},
            "reference_too_long",
        )
    project = tranche.project
    if not Allocation.objects.filter(pk=project.allocation_id, status__in=HELD).exists():
        raise rule_error("shelter_project_needs_active_allocation", _("the allocation is no longer active"))
    inspection, why = releasing_inspection(tranche)
    if inspection is None:
        raise rule_error("tranche_paid_after_passed_inspection", why)
    tranche.paid_on = paid_on or timezone.localdate()
    tranche.paid_by = by
    tranche.released_by_inspection = inspection
    tranche.payment_reference = reference
    with database_rules_explained():
        tranche.save()
    return tranche


# --- allocation reviews ---------------------------------------------------------------------------------------------

# The longest closing note kept (a sentence or a short paragraph: what was found and what was done).
REVIEW_NOTE_MAX = 2000


def _review_outcome(outcome) -> str:
    """The outcome code chosen, or the refusal that says what to choose."""
    outcome = text_value(outcome, "outcome").strip()
    if not outcome:
        raise _field_error("outcome", _("Choose the outcome of the review."), "review_outcome_required")
    if outcome not in AllocationReview.Outcome.values:
        choices = "; ".join(f"{code} ({label})" for code, label in AllocationReview.Outcome.choices)
        raise _field_error(
            "outcome",
            _("The outcome is one of: %(choices)s.") % {"choices": choices},
            "review_outcome_is_one_of_the_choices",
        )
    return outcome


@transaction.atomic
def allocation_review_close(*, review: AllocationReview, by, outcome: str = "", note: str) -> AllocationReview:
    """Close a review raised by an occupancy check or a photo fraud flag: who closed it, when, the outcome (one of
    AllocationReview.Outcome) and a note saying what was found and done. A closed review stays closed (the database
    agrees: closed_review_is_final); a new problem raises a new review. A caller that sends no outcome gets the
    sentence asking for one, like a missing note."""
    require_role(by, OFFICE_ROLES, _("close an allocation review"))
    review = AllocationReview.objects.select_for_update().select_related("plot__township").get(pk=review.pk)
    _scope(by, review.plot)
    if review.closed_at is not None:
        raise _field_error(
            "review",
            _("This review was closed on %(day)s; it cannot be closed again. Raise a new one if the problem is back.")
            % {"day": timezone.localdate(review.closed_at).isoformat()},
            "closed_review_is_final",
        )
    errors = {}
    try:
        outcome = _review_outcome(outcome)
    except ValidationError as error:
        errors.update(error.error_dict)
    note = text_value(note, "note").strip()
    if not note:
        errors["note"] = [
            ValidationError(
                _("Say what was found and what was done before closing the review."), "review_note_required"
            )
        ]
    elif len(note) > REVIEW_NOTE_MAX:
        errors["note"] = [
            ValidationError(
                _("The note is at most %(n)d characters; keep to what was found and done.") % {"n": REVIEW_NOTE_MAX},
                "review_note_too_long",
            )
        ]
    if errors:
        raise ValidationError(errors)
    review.closed_at = timezone.now()
    review.closed_by = by
    review.outcome = outcome
    review.closing_note = note
    with database_rules_explained():
        review.save(update_fields=["closed_at", "closed_by", "outcome", "closing_note"])
    return review


# --- assignments --------------------------------------------------------------------------------------------------


def assignment_create(*, officer, plot: Plot, due_on: date, by, purpose: str = "inspection") -> FieldAssignment:
    require_role(by, OFFICE_ROLES, _("assign field visits"))
    plot = Plot.objects.select_related("township").get(pk=plot.pk)
    _scope(by, plot)
    if not roles.has_role(officer, roles.FIELD_OFFICER):
        raise _field_error("officer", _("%(u)s is not a field officer.") % {"u": officer}, "not_a_field_officer")
    if purpose not in FieldAssignment.Purpose.values:
        raise _field_error("purpose", _("The purpose is inspection or occupancy."), "purpose_invalid")
    return FieldAssignment.objects.create(officer=officer, plot=plot, due_on=due_on, purpose=purpose, assigned_by=by)


def _assignment_done(officer, plot_id: int) -> None:
    FieldAssignment.objects.filter(officer=officer, plot_id=plot_id, done_at__isnull=True).update(
        done_at=timezone.now()
    )


# --- field submissions ----------------------------------------------------------------------------------------------


def _client_uuid(value) -> uuid_module.UUID:
    try:
        return uuid_module.UUID(str(value).removeprefix("uuid:"))
    except (ValueError, AttributeError):
        raise _field_error(
            "client_uuid", _("Each submission needs the UUID its device generated."), "client_uuid_required"
        ) from None


def _check_position(plot: Plot, point: Point | None, accuracy_m: float | None) -> float:
    tolerance = inspection_tolerance_m()
    if point is None:
        raise _field_error(
            "point", _("The visit needs the GPS point where you stand; turn on the phone's location."), "gps_required"
        )
    if point.srid is None:
        point.srid = 4326
    if accuracy_m is not None and accuracy_m > 2 * tolerance:
        raise _field_error(
            "point",
            _("The GPS fix is accurate only to %(acc).0f m; wait for a better fix (%(max).0f m or better).")
            % {"acc": accuracy_m, "max": 2 * tolerance},
            "gps_inaccurate",
        )
    distance = plot_distance_m(plot, point)
    if distance > tolerance:
        raise _field_error(
            "point",
            _(
                "The GPS point is %(d).0f m from plot %(number)s; the visit must be made on the plot "
                "(within %(tol).0f m)."
            )
            % {"d": distance, "number": plot.number, "tol": tolerance},
            "gps_outside_plot",
        )
    return distance


def _check_date(day: date) -> None:
    if day > timezone.localdate() + timedelta(days=1):
        raise _field_error("date", _("The visit date is in the future; check the phone's date."), "date_in_future")


def _read_photos(uploads, *, plot: Plot, by, client_uuid, on: date, point: Point | None) -> list[SitePhoto]:
    """Read and check each photo; a photo already used is refused, and flagged as possible fraud when it was
    used for another plot. The flag is written in its own transaction, so the refusal does not undo it."""
    read = []
    seen = set()
    for upload in uploads:
        photo = photo_read(upload)
        if photo.sha256 in seen:
            continue  # the same file attached twice to one visit
        seen.add(photo.sha256)
        photo.warnings = photo_compare(photo, on=on, point=point, tolerance_m=inspection_tolerance_m())
        earlier = (
            Photo.objects.filter(sha256=photo.sha256).select_related("inspection__project", "occupancy_check").first()
        )
        if earlier is not None:
            earlier_plot = (
                earlier.inspection.project.plot_id if earlier.inspection_id else earlier.occupancy_check.plot_id
            )
            if earlier_plot != plot.pk:
                _flag_fraud(photo=photo, earlier=earlier, plot=plot, by=by, client_uuid=client_uuid)
                raise _field_error(
                    "photos",
                    _(
                        "This photo was already submitted for another plot; it is flagged as possible fraud. "
                        "Take a new photo of this plot."
                    ),
                    "photo_used_for_another_plot",
                )
            raise rule_error("photo_hash_used_once", _("the same photo documents an earlier visit to this plot"))
        read.append(photo)
    return read


def _flag_fraud(*, photo: SitePhoto, earlier: Photo, plot: Plot, by, client_uuid) -> None:
    with transaction.atomic():
        PhotoFraudFlag.objects.create(
            sha256=photo.sha256, first_photo=earlier, plot=plot, submitted_by=by, client_uuid=client_uuid
        )
        AllocationReview.objects.create(
            allocation=plot.allocations.exclude(status__in=Allocation.ENDED).first(),
            plot=plot,
            reason=AllocationReview.Reason.PHOTO_FRAUD,
            detail=_("Photo %(sha)s… was first used for another plot (photo %(id)s).")
            % {"sha": photo.sha256[:12], "id": earlier.pk},
            raised_by=by,
        )


def _save_photos(photos: list[SitePhoto], **visit) -> None:
    for photo in photos:
        row = Photo(
            sha256=photo.sha256,
            original_bytes=photo.original_bytes,
            width=photo.width,
            height=photo.height,
            taken_at=photo.taken_at,
            exif_point=photo.point,
            warnings=photo.warnings,
            **visit,
        )
        row.file.save(photo.name, photo.content, save=False)
        with database_rules_explained():
            row.save()


def open_project_on(plot: Plot) -> ShelterProject | None:
    return (
        ShelterProject.objects.filter(plot=plot, status=ShelterProject.Status.ACTIVE)
        .select_related("programme", "plot__township")
        .first()
    )


def inspection_submit(
    *,
    client_uuid,
    plot: Plot,
    stage,
    inspected_on: date,
    by,
    result: str,
    point: Point | None,
    accuracy_m: float | None = None,
    checklist: dict | None = None,
    remarks: str = "",
    photos=(),
    source: str = Inspection.Source.FIELD_APP,
    uploaded_by=None,
) -> tuple[Inspection, bool]:
    """Record a shelter inspection made on the plot by `by`; (inspection, created). A UUID seen before returns the
    inspection it made, unchanged: retries never duplicate. `uploaded_by`: who sent it, when not the inspector (an
    import; the importer checks that the inspector is theirs to name)."""
    key = _client_uuid(client_uuid)
    require_role(by, FIELD_ROLES, _("record an inspection"))
    existing = Inspection.objects.filter(client_uuid=key).select_related("project__plot__township").first()
    if existing is not None:
        _resent_scope(by, existing.project.plot)
        return existing, False
    stage = text_value(stage, "stage") if not isinstance(stage, Stage) else stage
    remarks = text_value(remarks, "remarks")
    if holds_nul(checklist):
        raise _field_error("checklist", _("The checklist holds a NUL character; remove it."), "nul_character")
    plot = Plot.objects.select_related("township").get(pk=plot.pk)
    _scope(by, plot)
    project = open_project_on(plot)
    if project is None:
        raise _field_error(
            "plot",
            _("Plot %(number)s has no shelter under construction to inspect.") % {"number": plot.number},
            "no_shelter_project",
        )
    stage = _stage(project, stage)
    if result not in Inspection.Result.values:
        raise _field_error("result", _("Say whether the stage passed or failed."), "result_required")
    _check_date(inspected_on)
    if result == Inspection.Result.PASS:
        passed = Inspection.objects.filter(project=project, result="pass").values_list("stage_id", flat=True)
        missing = list(
            project.programme.stages.filter(position__lt=stage.position)
            .exclude(pk__in=passed)
            .values_list("name", flat=True)
        )
        if missing:
            raise rule_error(
                "shelter_stages_pass_in_order",
                _("%(stage)s cannot pass before %(missing)s") % {"stage": stage.name, "missing": ", ".join(missing)},
            )
        if not photos:
            raise _field_error("photos", _("A passed stage needs at least one photo of the work."), "photo_required")
    _check_position(plot, point, accuracy_m)
    read = _read_photos(photos, plot=plot, by=by, client_uuid=key, on=inspected_on, point=point)
    inspection = Inspection(
        project=project,
        stage=stage,
        inspected_on=inspected_on,
        inspector=by,
        point=point,
        accuracy_m=accuracy_m,
        checklist=checklist or {},
        result=result,
        remarks=remarks or "",
        client_uuid=key,
        source=source,
        uploaded_by=uploaded_by or by,
    )
    try:
        with transaction.atomic(), database_rules_explained():
            inspection.save()
            _save_photos(read, inspection=inspection)
            _assignment_done(by, plot.pk)
    except IntegrityError:
        # The same UUID arrived twice at once (a retry racing the first attempt): the first one made it.
        existing = Inspection.objects.filter(client_uuid=key).first()
        if existing is None:
            raise
        return existing, False
    inspection.refresh_from_db(fields=["distance_m"])
    return inspection, True


def occupancy_check_submit(
    *,
    client_uuid,
    plot: Plot,
    finding: str,
    checked_on: date,
    by,
    point: Point | None,
    accuracy_m: float | None = None,
    remarks: str = "",
    photos=(),
    source: str = Inspection.Source.FIELD_APP,
    uploaded_by=None,
) -> tuple[OccupancyCheck, bool]:
    """Record who the officer found on the plot. Present on a handed-over plot confirms occupancy (the
    allocation workflow's own step); absent, usurped or empty raises an allocation review."""
    from allocations.services import allocation_transition

    key = _client_uuid(client_uuid)
    require_role(by, FIELD_ROLES, _("record an occupancy check"))
    existing = OccupancyCheck.objects.filter(client_uuid=key).select_related("plot__township").first()
    if existing is not None:
        _resent_scope(by, existing.plot)
        return existing, False
    remarks = text_value(remarks, "remarks")
    plot = Plot.objects.select_related("township").get(pk=plot.pk)
    _scope(by, plot)
    if finding not in OccupancyCheck.Finding.values:
        raise _field_error("finding", _("Say what you found on the plot."), "finding_required")
    _check_date(checked_on)
    _check_position(plot, point, accuracy_m)
    read = _read_photos(photos, plot=plot, by=by, client_uuid=key, on=checked_on, point=point)
    allocation = plot.allocations.exclude(status__in=Allocation.ENDED).first()
    check = OccupancyCheck(
        plot=plot,
        allocation=allocation,
        finding=finding,
        checked_on=checked_on,
        officer=by,
        point=point,
        accuracy_m=accuracy_m,
        remarks=remarks or "",
        client_uuid=key,
        source=source,
        uploaded_by=uploaded_by or by,
    )
    try:
        with transaction.atomic(), database_rules_explained():
            check.save()
            _save_photos(read, occupancy_check=check)
            _assignment_done(by, plot.pk)
            OccupancyCheck.objects.filter(pk=check.pk).update(distance_m=plot_distance_m(plot, point))
            if finding == OccupancyCheck.Finding.PRESENT:
                if allocation is not None and allocation.status == Allocation.Status.HANDED_OVER:
                    allocation_transition(
                        allocation=allocation,
                        action="confirm_occupancy",
                        by=by,
                        reason=_("Occupancy check %(uuid)s: household present.") % {"uuid": key},
                    )
            else:
                AllocationReview.objects.create(
                    allocation=allocation,
                    plot=plot,
                    reason=finding,
                    detail=remarks or "",
                    occupancy_check=check,
                    raised_by=by,
                )
    except IntegrityError:
        existing = OccupancyCheck.objects.filter(client_uuid=key).first()
        if existing is None:
            raise
        return existing, False
    return check, True
