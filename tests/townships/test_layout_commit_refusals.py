"""The commit of a layout leaves the checks whose rules the database enforces (inside the township and the block,
no overlap) to the database's land rules, and when the database refuses a plot, the file gets every check and the
same report as its dry run: each problem's sentence, naming the plot. Nothing is written."""

import pytest
from django.db import DatabaseError, connection

from tests.townships.layout_files import clean_layout, rect, write_layout
from townships import layouts
from townships.layouts import Mapping, layout_check, layout_commit
from townships.layouts import services as layout_services
from townships.layouts.checks import CHECKS, DIFF, DatabaseRuleCheck
from townships.models import LayoutImport, Plot

MAPPING = Mapping(number="PLOT_NO", block="BLOCK", use="USE")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def events():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM townships_plotevent")
        return cursor.fetchone()[0]


class Steps(list):
    """A progress callback that keeps what it was told."""

    def __call__(self, stage, done, total):
        self.append((stage, done, total))

    def __bool__(self):  # a callback, even before its first call
        return True


@pytest.fixture
def writes(monkeypatch):
    """What became of each write of a commit, with the database's land rules asked at once: the rule that refused
    it, or None."""
    outcomes = []
    write = layout_services.plots_write

    def spied(*args, **kwargs):
        try:
            result = write(*args, **kwargs)
            layout_services.check_land_rules_now()
        except DatabaseError as refusal:
            outcomes.append(refusal.__cause__.diag.constraint_name)
            raise
        outcomes.append(None)
        return result

    monkeypatch.setattr(layout_services, "plots_write", spied)
    return outcomes


# Each file's only problem is one that a land rule of the database refuses, by rule: (extra plots, the problem's
# code, the feature's number, what its sentence must name).
ONE_PROBLEM = {
    "plot_inside_township": ([("23", "", "residential", rect(490, 200))], "outside_township", "23", "250"),
    "plot_inside_block": ([("24", "A", "residential", rect(190, 60))], "outside_block", "24", "block A"),
    "plots_do_not_overlap": ([("22", "A", "residential", rect(2, 22, 16, 8))], "overlap", "22", "(plot 1)"),
}


@pytest.mark.parametrize("rule", sorted(ONE_PROBLEM))
def test_a_refusal_by_the_database_comes_back_as_the_dry_runs_report(rule, township, frame, users, tmp_path, writes):
    extra, code, number, named = ONE_PROBLEM[rule]
    path = write_layout(tmp_path, "gpkg", frame, clean_layout() + extra)
    checked = layout_check(township=township, path=path, name=path.name, by=users["gis"], mapping=MAPPING)
    assert checked.status == LayoutImport.Status.REJECTED
    dry_run, before = checked.report, events()
    done = layout_commit(layout_import=checked, by=users["gis"])
    # The database judged the written plots (the checks it enforces were left to it), and refused.
    assert writes == [rule]
    assert done.status == LayoutImport.Status.REJECTED
    assert done.report == dry_run and done.counts["reasons"] == {code: 1 if code != "overlap" else 2}
    [feature] = [f for f in done.report["features"] if f["number"] == number]
    [problem] = feature["problems"]
    assert problem["code"] == code and named in layouts.problem_text(problem)
    assert not Plot.objects.filter(township=township).exists() and events() == before


def test_an_overlap_with_a_plot_already_there_is_refused_by_the_database_and_reported(
    township, frame, users, tmp_path, plots, writes
):
    # The fixture's plots 0, 1, 2 sit at 0..60 × 0..25 m; this file does not carry them.
    layout = [("40", "A", "residential", [(50, 20), (70, 20), (70, 45), (50, 45), (50, 20)])]
    path = write_layout(tmp_path, "gpkg", frame, layout)
    checked = layout_check(township=township, path=path, name=path.name, by=users["gis"], mapping=MAPPING)
    done = layout_commit(layout_import=checked, by=users["gis"])
    assert writes == ["plots_do_not_overlap"] and done.status == LayoutImport.Status.REJECTED
    (problem,) = done.report["features"][0]["problems"]
    assert problem["code"] == "overlap" and problem["params"]["existing_number"] == "2"
    assert "existing plot 2" in layouts.problem_text(problem)
    assert sorted(Plot.objects.filter(township=township).values_list("number", flat=True)) == ["0", "1", "2"]


def test_a_plot_drawn_since_the_dry_run_is_named_in_the_commits_report(township, frame, users, tmp_path, writes):
    path = write_layout(tmp_path, "gpkg", frame, clean_layout())
    checked = layout_check(township=township, path=path, name=path.name, by=users["gis"], mapping=MAPPING)
    assert checked.status == LayoutImport.Status.CHECKED
    # Meanwhile a GIS specialist draws plot 99 over the file's plot 5 (80..100 × 0..25 m), by 10 m × 10 m.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO townships_plot (township_id, block_id, number, geom, use, status, created_at, updated_at) "
            "VALUES (%s, %s, '99', ST_GeomFromEWKT(%s), 'residential', 'available', now(), now())",
            [township.pk, township.block_a.pk, frame.rect(90, 10, 20, 10).ewkt],
        )
    done = layout_commit(layout_import=checked, by=users["gis"])
    assert writes == ["plots_do_not_overlap"] and done.status == LayoutImport.Status.REJECTED
    [feature] = done.report["features"]
    [problem] = feature["problems"]
    assert feature["number"] == "5" and problem["params"]["existing_number"] == "99"
    assert "existing plot 99 by 100" in layouts.problem_text(problem)
    assert list(Plot.objects.filter(township=township).values_list("number", flat=True)) == ["99"]


def test_a_clean_commit_leaves_the_rules_checks_to_the_database(township, frame, users, tmp_path):
    path = write_layout(tmp_path, "gpkg", frame, clean_layout())
    dry_steps, commit_steps = Steps(), Steps()
    checked = layout_check(
        township=township, path=path, name=path.name, by=users["gis"], mapping=MAPPING, progress=dry_steps
    )
    done = layout_commit(layout_import=checked, by=users["gis"], progress=commit_steps)
    assert done.status == LayoutImport.Status.COMMITTED and done.report == checked.report
    database_rules = sum(isinstance(c, DatabaseRuleCheck) for c in CHECKS)
    assert database_rules == 4
    assert [s for s in dry_steps if s[0] == "checked"][-1][2] == len(CHECKS) + len(DIFF)
    assert [s for s in commit_steps if s[0] == "checked"][-1][2] == len(CHECKS) + len(DIFF) - database_rules
    assert Plot.objects.filter(township=township).count() == 14
