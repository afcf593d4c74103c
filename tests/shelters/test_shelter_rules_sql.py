"""The shelter rules hold for any client (psql, QGIS, a script): the database itself refuses."""

from tests.db.conftest import as_ewkt, refused
from tests.db.test_allocation_rules_sql import setup
from tests.db.test_concurrency import ALLOCATION_INSERT
from tests.db.test_workflow_rules_sql import make_user

APPROVED_INSERT = (
    "INSERT INTO allocations_allocation (household_id, plot_id, method, status, proposed_at, decision_reference, "
    "revocation_reason, notes, is_demo, updated_at, approved_by_id, approved_at) VALUES (%s, %s, 'committee', "
    "'approved', now(), 'CMT-1', '', '', false, now(), %s, now())"
)
PROJECT_INSERT = (
    "INSERT INTO shelters_shelterproject (plot_id, household_id, allocation_id, programme_id, implementing_partner, "
    "modality) VALUES (%s, %s, %s, %s, 'NGO', 'conditional_cash') RETURNING id"
)
INSPECTION_INSERT = (
    "INSERT INTO shelters_inspection (project_id, stage_id, inspected_on, point, result, client_uuid) "
    "VALUES (%s, %s, current_date, ST_GeomFromEWKT(%s), %s, gen_random_uuid()) RETURNING id"
)
PHOTO_INSERT = (
    "INSERT INTO shelters_photo (inspection_id, file, sha256, original_bytes, width, height) "
    "VALUES (%s, 'x.jpg', %s, 1, 1, 1) RETURNING id"
)


def _centroid(raw, x, y):
    raw.execute("SELECT ST_AsEWKT(ST_Centroid(ST_GeomFromEWKT(%s)))", (as_ewkt(raw, x, y, x + 0.2, y + 0.2),))
    return raw.fetchone()[0]


def shelter(raw, status="approved"):
    """A plot (0..20 × 0..25 m), its household and allocation, a two-stage programme, a project."""
    plot, plot2, households = setup(raw)
    checker = make_user(raw, "sql.checker")
    if status == "approved":
        raw.execute(APPROVED_INSERT + " RETURNING id", (households[0], plot, checker))
    else:
        raw.execute(ALLOCATION_INSERT + " RETURNING id", (households[0], plot))
    allocation = raw.fetchone()[0]
    raw.execute("INSERT INTO shelters_programme (code, name) VALUES ('sql', 'SQL programme') RETURNING id")
    programme = raw.fetchone()[0]
    stages = []
    for position, code in enumerate(["foundation", "roof"], start=1):
        raw.execute(
            "INSERT INTO shelters_stage (programme_id, position, code, name) VALUES (%s, %s, %s, %s) RETURNING id",
            (programme, position, code, code),
        )
        stages.append(raw.fetchone()[0])
    return {
        "plot": plot,
        "household": households[0],
        "allocation": allocation,
        "programme": programme,
        "stages": stages,
        "other_household": households[1],
        "plot2": plot2,
    }


def project(raw, s):
    raw.execute(PROJECT_INSERT, (s["plot"], s["household"], s["allocation"], s["programme"]))
    return raw.fetchone()[0]


def test_a_shelter_project_needs_an_approved_allocation_of_that_plot_to_that_household(raw):
    s = shelter(raw, status="proposed")
    error = refused(raw, PROJECT_INSERT, (s["plot"], s["household"], s["allocation"], s["programme"]))
    assert error.diag.constraint_name == "shelter_project_needs_active_allocation"


def test_a_shelter_project_cannot_name_another_household(raw):
    s = shelter(raw)
    error = refused(raw, PROJECT_INSERT, (s["plot"], s["other_household"], s["allocation"], s["programme"]))
    assert error.diag.constraint_name == "shelter_project_needs_active_allocation"
    assert refused(raw, PROJECT_INSERT, (s["plot"], s["household"], s["allocation"], s["programme"])) is None


def test_stages_pass_in_order_in_sql(raw):
    s = shelter(raw)
    p = project(raw, s)
    on_plot = _centroid(raw, 10, 10)
    error = refused(raw, INSPECTION_INSERT, (p, s["stages"][1], on_plot, "pass"))
    assert error.diag.constraint_name == "shelter_stages_pass_in_order"
    assert refused(raw, INSPECTION_INSERT, (p, s["stages"][1], on_plot, "fail")) is None  # a failed visit is fine
    assert refused(raw, INSPECTION_INSERT, (p, s["stages"][0], on_plot, "pass")) is None
    assert refused(raw, INSPECTION_INSERT, (p, s["stages"][1], on_plot, "pass")) is None
    raw.execute("SELECT stage_reached_id, status FROM shelters_shelterproject WHERE id = %s", (p,))
    assert raw.fetchone() == (s["stages"][1], "completed")


def test_inspections_and_photos_cannot_be_changed_or_deleted(raw):
    s = shelter(raw)
    p = project(raw, s)
    raw.execute(INSPECTION_INSERT, (p, s["stages"][0], _centroid(raw, 10, 10), "fail"))
    inspection = raw.fetchone()[0]
    raw.execute(PHOTO_INSERT, (inspection, "a" * 64))
    photo = raw.fetchone()[0]
    for sql, args in [
        ("UPDATE shelters_inspection SET result = 'pass' WHERE id = %s", (inspection,)),
        ("DELETE FROM shelters_inspection WHERE id = %s", (inspection,)),
        ("UPDATE shelters_photo SET sha256 = 'b' WHERE id = %s", (photo,)),
        ("DELETE FROM shelters_photo WHERE id = %s", (photo,)),
    ]:
        assert refused(raw, sql, args).diag.constraint_name == "inspections_are_append_only", sql


def test_a_photo_hash_serves_once(raw):
    s = shelter(raw)
    p = project(raw, s)
    raw.execute(INSPECTION_INSERT, (p, s["stages"][0], _centroid(raw, 10, 10), "fail"))
    inspection = raw.fetchone()[0]
    assert refused(raw, PHOTO_INSERT, (inspection, "c" * 64)) is None
    assert refused(raw, PHOTO_INSERT, (inspection, "c" * 64)).diag.constraint_name == "photo_hash_used_once"


def test_a_tranche_is_paid_only_after_a_passed_inspection_with_photo_on_the_plot(raw):
    s = shelter(raw)
    p = project(raw, s)
    raw.execute(
        "INSERT INTO shelters_tranche (project_id, stage_id, amount) VALUES (%s, %s, 1000) RETURNING id",
        (p, s["stages"][0]),
    )
    tranche = raw.fetchone()[0]
    pay = "UPDATE shelters_tranche SET paid_on = current_date WHERE id = %s"
    error = refused(raw, pay, (tranche,))
    assert error.diag.constraint_name == "tranche_paid_after_passed_inspection"
    assert "no passed inspection" in error.diag.message_primary
    # passed, with a photo, but 80 m away from the plot (written in SQL, past the service's check)
    raw.execute(INSPECTION_INSERT, (p, s["stages"][0], _centroid(raw, 10, 105), "pass"))
    far = raw.fetchone()[0]
    raw.execute(PHOTO_INSERT, (far, "d" * 64))
    error = refused(raw, pay, (tranche,))
    assert error.diag.constraint_name == "tranche_paid_after_passed_inspection"
    assert "GPS point within 30 m" in error.diag.message_primary
    # passed on the plot, without a photo
    raw.execute(INSPECTION_INSERT, (p, s["stages"][0], _centroid(raw, 10, 10), "pass"))
    near = raw.fetchone()[0]
    assert refused(raw, pay, (tranche,)).diag.constraint_name == "tranche_paid_after_passed_inspection"
    raw.execute(PHOTO_INSERT, (near, "e" * 64))
    assert refused(raw, pay, (tranche,)) is None
    raw.execute("SELECT released_by_inspection_id FROM shelters_tranche WHERE id = %s", (tranche,))
    assert raw.fetchone()[0] == near


def test_the_tolerance_can_be_set_for_the_database(raw):
    s = shelter(raw)
    p = project(raw, s)
    raw.execute(
        "INSERT INTO shelters_tranche (project_id, stage_id, amount) VALUES (%s, %s, 1000) RETURNING id",
        (p, s["stages"][0]),
    )
    tranche = raw.fetchone()[0]
    raw.execute(INSPECTION_INSERT, (p, s["stages"][0], _centroid(raw, 10, 45), "pass"))  # 20 m north of the plot
    raw.execute(PHOTO_INSERT, (raw.fetchone()[0], "f" * 64))
    raw.execute("SET LOCAL landreg.inspection_tolerance_m = '10'")
    pay = "UPDATE shelters_tranche SET paid_on = current_date WHERE id = %s"
    assert refused(raw, pay, (tranche,)).diag.constraint_name == "tranche_paid_after_passed_inspection"
    raw.execute("SET LOCAL landreg.inspection_tolerance_m = '30'")
    assert refused(raw, pay, (tranche,)) is None


def test_a_paid_tranche_is_final(raw):
    s = shelter(raw)
    p = project(raw, s)
    raw.execute(INSPECTION_INSERT, (p, s["stages"][0], _centroid(raw, 10, 10), "pass"))
    raw.execute(PHOTO_INSERT, (raw.fetchone()[0], "9" * 64))
    raw.execute(
        "INSERT INTO shelters_tranche (project_id, stage_id, amount, paid_on) VALUES (%s, %s, 1000, current_date) "
        "RETURNING id",
        (p, s["stages"][0]),
    )
    tranche = raw.fetchone()[0]
    error = refused(raw, "UPDATE shelters_tranche SET amount = 5000 WHERE id = %s", (tranche,))
    assert error.diag.constraint_name == "paid_tranche_is_final"
    error = refused(raw, "DELETE FROM shelters_tranche WHERE id = %s", (tranche,))
    assert error.diag.constraint_name == "paid_tranche_is_final"


def test_no_tranche_is_paid_once_the_allocation_ended(raw):
    s = shelter(raw)
    p = project(raw, s)
    raw.execute(INSPECTION_INSERT, (p, s["stages"][0], _centroid(raw, 10, 10), "pass"))
    raw.execute(PHOTO_INSERT, (raw.fetchone()[0], "8" * 64))
    raw.execute(
        "UPDATE allocations_allocation SET status = 'revoked', revocation_reason = 'fraud', end_date = current_date "
        "WHERE id = %s",
        (s["allocation"],),
    )
    error = refused(
        raw,
        "INSERT INTO shelters_tranche (project_id, stage_id, amount, paid_on) VALUES (%s, %s, 1000, current_date)",
        (p, s["stages"][0]),
    )
    assert error.diag.constraint_name == "shelter_project_needs_active_allocation"


def test_an_imported_visit_names_its_uploader(raw):
    """Rule imported_visit_names_its_uploader: a Kobo/ODK row inserted by any client must say who uploaded it."""
    s = shelter(raw)
    p = project(raw, s)
    uploader = make_user(raw, "sql.uploader", role="land_officer")
    point = _centroid(raw, 10, 10)
    imported = INSPECTION_INSERT.replace("client_uuid)", "client_uuid, source, uploaded_by_id)").replace(
        "gen_random_uuid())", "gen_random_uuid(), %s, %s)"
    )
    for source in ("kobo", "odk"):
        error = refused(raw, imported, (p, s["stages"][0], point, "fail", source, None))
        assert error.diag.constraint_name == "imported_visit_names_its_uploader", source
    assert refused(raw, imported, (p, s["stages"][0], point, "fail", "kobo", uploader)) is None
    assert refused(raw, INSPECTION_INSERT, (p, s["stages"][0], point, "fail")) is None  # field pages: no import
    check = (
        "INSERT INTO shelters_occupancycheck (plot_id, finding, checked_on, client_uuid, source, uploaded_by_id) "
        "VALUES (%s, 'present', current_date, gen_random_uuid(), 'odk', %s)"
    )
    assert refused(raw, check, (s["plot"], None)).diag.constraint_name == "imported_visit_names_its_uploader"
    assert refused(raw, check, (s["plot"], uploader)) is None


REVIEW_INSERT = (
    "INSERT INTO shelters_allocationreview (allocation_id, plot_id, reason, detail) "
    "VALUES (%s, %s, 'absent', 'Neighbours say they left.') RETURNING id"
)
REVIEW_CLOSE = (
    "UPDATE shelters_allocationreview SET closed_at = now(), closed_by_id = %s, outcome = %s, closing_note = %s "
    "WHERE id = %s"
)


def review(raw):
    """An open review of an approved allocation, and a land officer who may close it."""
    s = shelter(raw)
    raw.execute(REVIEW_INSERT, (s["allocation"], s["plot"]))
    return raw.fetchone()[0], make_user(raw, "sql.officer", role="land_officer")


def test_a_review_is_closed_with_who_the_outcome_and_a_note(raw):
    """Rule closed_review_has_outcome_and_note: psql or QGIS cannot close a review without saying how."""
    pk, officer = review(raw)
    for by, outcome, note, missing in [
        (officer, "unfounded", "", "a closing note"),
        (officer, "unfounded", "   ", "a closing note"),
        (officer, "", "Family back", "the outcome"),
        (None, "unfounded", "Family back", "who closed it"),
        (None, "", "", "who closed it, the outcome, a closing note"),
    ]:
        error = refused(raw, REVIEW_CLOSE, (by, outcome, note, pk))
        assert error.diag.constraint_name == "closed_review_has_outcome_and_note", (by, outcome, note)
        assert error.diag.message_primary.endswith(f"closed without {missing}")
    error = refused(raw, REVIEW_CLOSE, (officer, "closed", "Family back", pk))
    assert error.diag.constraint_name == "review_outcome_is_one_of_the_choices"
    assert refused(raw, REVIEW_CLOSE, (officer, "resolved_on_site", "Family back", pk)) is None


def test_a_review_cannot_be_inserted_closed_without_its_closing(raw):
    s = shelter(raw)
    inserted_closed = REVIEW_INSERT.replace("detail)", "detail, closed_at)").replace("left.')", "left.', now())")
    error = refused(raw, inserted_closed, (s["allocation"], s["plot"]))
    assert error.diag.constraint_name == "closed_review_has_outcome_and_note"


def test_a_closed_review_cannot_be_reopened_edited_or_deleted(raw):
    """Rule closed_review_is_final: a closing is a record; a problem that comes back raises a new review."""
    pk, officer = review(raw)
    other = make_user(raw, "sql.other", role="land_officer")
    raw.execute(REVIEW_CLOSE, (officer, "to_be_revoked", "Usurped by a neighbour.", pk))
    for sql, args in [
        ("UPDATE shelters_allocationreview SET closed_at = NULL WHERE id = %s", (pk,)),
        (
            "UPDATE shelters_allocationreview SET closed_at = NULL, closed_by_id = NULL, outcome = '', "
            "closing_note = '' WHERE id = %s",
            (pk,),
        ),
        ("UPDATE shelters_allocationreview SET outcome = 'unfounded' WHERE id = %s", (pk,)),
        ("UPDATE shelters_allocationreview SET closing_note = '' WHERE id = %s", (pk,)),
        ("UPDATE shelters_allocationreview SET closed_by_id = %s WHERE id = %s", (other, pk)),
        ("UPDATE shelters_allocationreview SET detail = 'rewritten' WHERE id = %s", (pk,)),
        ("DELETE FROM shelters_allocationreview WHERE id = %s", (pk,)),
    ]:
        assert refused(raw, sql, args).diag.constraint_name == "closed_review_is_final", sql
    raw.execute("SELECT outcome, closing_note, closed_by_id FROM shelters_allocationreview WHERE id = %s", (pk,))
    assert raw.fetchone() == ("to_be_revoked", "Usurped by a neighbour.", officer)


def test_an_open_review_can_still_be_edited(raw):
    pk, _officer = review(raw)
    assert refused(raw, "UPDATE shelters_allocationreview SET detail = 'more' WHERE id = %s", (pk,)) is None
