"""Layout drafts through the layout import (planning/draft_services.py), on real PostGIS: the dry run, the commit
of blocks and plots all or nothing, scope, and the database's land rules judging the draft."""

import pytest
from django.contrib.gis.geos import MultiPolygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from landreg import roles
from landreg.services import user_create
from parcels.models import LandParcel
from planning import draft_services
from planning.drafting import DraftError, DraftParameters, draft_parameters
from townships import layouts
from townships import services as township_services
from townships.models import Block, LayoutImport, Plot


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Drafts, their GeoPackages and the import's kept files go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def site(provinces, frame):
    """A parcel of about 13 ha near Jalalabad and a township drawn around it."""
    outline = frame.ring([(0, 0), (420, 20), (470, 260), (250, 340), (-20, 280)])
    parcel = LandParcel.objects.create(
        reference="NAN-LP-77", name="Sheikh Misri east", province=provinces["nangarhar"], geom=MultiPolygon(outline)
    )
    township = township_services.township_create(
        code="NAN-DRAFT",
        name="Draft township",
        province=provinces["nangarhar"],
        legal_basis="decree_305_2018",
        geom=MultiPolygon(frame.rect(-40, -20, 540, 380)),
    )
    return parcel, township


PARAMS = DraftParameters(road_width_m=8, setback_m=5, reserve_share=0.1)


def test_a_draft_is_checked_by_the_layout_import_and_writes_no_plot_or_block(site, users):
    parcel, township = site
    checked = draft_services.layout_draft_check(parcel=parcel, township=township, params=PARAMS, by=users["gis"])
    li = checked.layout_import
    assert li.status == LayoutImport.Status.CHECKED, li.report
    assert li.counts["added"] == len(checked.draft.plots) > 200
    assert li.counts["rejected"] == 0
    assert li.source.name == draft_services.DRAFT_SOURCE
    assert not Block.objects.filter(township=township).exists()
    assert not Plot.objects.filter(township=township).exists()
    record = draft_services.draft_record(li)
    assert record["figures"]["plots"] == sum(1 for p in checked.draft.plots if p.use == "residential")
    assert record["parcel"] == parcel.pk
    assert layouts.stored_path(li).exists()


def test_the_commit_writes_blocks_and_plots_in_one_go(site, users):
    parcel, township = site
    checked = draft_services.layout_draft_check(parcel=parcel, township=township, params=PARAMS, by=users["gis"])
    done = draft_services.layout_draft_commit(layout_import=checked.layout_import, by=users["gis"])
    assert done.status == LayoutImport.Status.COMMITTED
    assert Block.objects.filter(township=township).count() == len(checked.draft.blocks)
    plots = Plot.objects.filter(township=township)
    assert plots.count() == len(checked.draft.plots)
    assert not plots.filter(block__isnull=True).exists()
    residential = plots.filter(use="residential")
    assert {round(a) for a in residential.values_list("area_m2", flat=True)} == {200}
    assert plots.filter(use="public").count() == sum(1 for b in checked.draft.blocks if b.reserve)
    # the parcel is laid out now: a second draft finds no free ground
    with pytest.raises(DraftError) as refused:
        draft_services.layout_draft_check(parcel=parcel, township=township, params=PARAMS, by=users["gis"])
    assert "Not a single whole 10 × 20 m plot fits" in refused.value.errors["plot_width_m"]
    assert "already laid out in the township" in refused.value.errors["township"]


def test_a_draft_fills_the_free_ground_beside_what_is_laid_out(site, users, frame):
    parcel, township = site
    township_services.block_create(township=township, code="A", geom=frame.rect(0, 20, 200, 150))
    township_services.plot_create(township=township, number="7", geom=frame.rect(0, 20, 20, 30))
    checked = draft_services.layout_draft_check(parcel=parcel, township=township, params=PARAMS, by=users["gis"])
    li = checked.layout_import
    assert li.status == LayoutImport.Status.CHECKED, li.report
    assert checked.figures["laid_out_m2"] > 200 * 150
    assert "A" not in {b.code for b in checked.draft.blocks}  # codes and numbers go on after those taken
    assert min(int(p.number) for p in checked.draft.plots) == 8
    block_a = draft_services._shapely_in(township.blocks.get(code="A").geom, township.utm_srid)
    assert all(p.geom.distance(block_a) >= PARAMS.road_width_m - 1e-6 for p in checked.draft.plots)


def test_a_refused_commit_leaves_no_block_behind(site, users, frame):
    parcel, township = site
    checked = draft_services.layout_draft_check(parcel=parcel, township=township, params=PARAMS, by=users["gis"])
    # since the dry run, someone has drawn a plot across the draft's ground (in QGIS, say)
    township_services.plot_create(township=township, number="X1", geom=frame.rect(100, 100, 60, 60))
    done = draft_services.layout_draft_commit(layout_import=checked.layout_import, by=users["gis"])
    assert done.status == LayoutImport.Status.REJECTED
    assert LayoutImport.objects.get(pk=done.pk).status == LayoutImport.Status.REJECTED
    assert "overlap" in done.counts["reasons"]
    assert not Block.objects.filter(township=township).exists()
    assert list(Plot.objects.filter(township=township).values_list("number", flat=True)) == ["X1"]


def test_blocks_added_since_the_draft_stop_the_commit(site, users, frame):
    parcel, township = site
    checked = draft_services.layout_draft_check(parcel=parcel, township=township, params=PARAMS, by=users["gis"])
    township_services.block_create(township=township, code="A", geom=frame.rect(-30, -10, 10, 10))
    with pytest.raises(ValidationError, match="draft the layout again"):
        draft_services.layout_draft_commit(layout_import=checked.layout_import, by=users["gis"])
    assert not Plot.objects.filter(township=township).exists()
    assert LayoutImport.objects.get(pk=checked.layout_import.pk).status == LayoutImport.Status.FAILED


def test_only_gis_specialists_and_administrators_in_scope_may_draft(site, users, provinces):
    parcel, township = site
    with pytest.raises(PermissionDenied):
        draft_services.layout_draft_check(
            parcel=parcel, township=township, params=PARAMS, by=users["officer_nangarhar"]
        )
    herat_gis = user_create(
        username="gis.h", password="x", roles=[roles.GIS_SPECIALIST], provinces=[provinces["herat"]]
    )
    with pytest.raises(PermissionDenied):
        draft_services.layout_draft_check(parcel=parcel, township=township, params=PARAMS, by=herat_gis)
    assert list(draft_services.parcels_for_drafting(herat_gis)) == []
    assert list(draft_services.parcels_for_drafting(users["gis"])) == [parcel]
    assert not LayoutImport.objects.exists()


def test_a_township_that_does_not_cover_the_parcel_is_refused(site, users, provinces, frame):
    parcel, _township = site
    elsewhere = township_services.township_create(
        code="NAN-FAR",
        name="Far township",
        province=provinces["nangarhar"],
        legal_basis="decree_305_2018",
        geom=MultiPolygon(frame.rect(5000, 5000, 100, 100)),
    )
    assert draft_services.townships_for_draft(parcel=parcel, user=users["gis"]) == [_township]
    with pytest.raises(DraftError) as refused:
        draft_services.layout_draft_check(parcel=parcel, township=elsewhere, params=PARAMS, by=users["gis"])
    assert "does not cover" in refused.value.errors["township"]


def test_unfit_ground_is_left_out_of_the_draft(site, users, frame):
    parcel, township = site
    flood = frame.rect(-50, -50, 600, 150)
    checked = draft_services.layout_draft_check(
        parcel=parcel, township=township, params=PARAMS, by=users["gis"], exclude=flood
    )
    assert checked.figures["unfit_left_out"] > 0
    assert checked.layout_import.status == LayoutImport.Status.CHECKED


def test_the_database_refuses_a_draft_plot_outside_its_block_as_from_qgis(site, users):
    """The rules that judge a committed draft are the database's: a plot moved out of its block by raw SQL (as
    QGIS would) is refused."""
    parcel, township = site
    checked = draft_services.layout_draft_check(parcel=parcel, township=township, params=PARAMS, by=users["gis"])
    draft_services.layout_draft_commit(layout_import=checked.layout_import, by=users["gis"])
    first, last = Block.objects.filter(township=township).order_by("code")[:1][0], Block.objects.order_by("-code")[0]
    plot = Plot.objects.filter(block=first).first()
    with pytest.raises(DatabaseError, match="plot_inside_block"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE townships_plot SET block_id = %s WHERE id = %s", [last.pk, plot.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_draft_that_is_not_a_draft_is_not_committed_here(site, users):
    parcel, township = site
    checked = draft_services.layout_draft_check(parcel=parcel, township=township, params=PARAMS, by=users["gis"])
    li = checked.layout_import
    li.source = None
    li.save()
    with pytest.raises(ValidationError, match="not a draft"):
        draft_services.layout_draft_commit(layout_import=li, by=users["gis"])


def test_parameters_from_a_form_reach_the_draft(site, users):
    parcel, township = site
    params = draft_parameters({"plot_biswa": "3", "plots_per_row": "8", "reserve_percent": "0", "setback_m": "0"})
    checked = draft_services.layout_draft_check(parcel=parcel, township=township, params=params, by=users["gis"])
    assert checked.figures["plot_m2_asked"] == 300
    assert checked.figures["reserve_blocks"] == 0


def test_the_database_judges_the_drafts_blocks_written_in_one_statement(site, frame):
    """The draft's blocks are written in one statement, past the model's checks: the database's block rules are
    what refuse a block outside the township, and the refusal comes back as the rule's sentence."""
    _parcel, township = site
    with pytest.raises(ValidationError) as refused:
        draft_services._create_blocks(township, [("A", frame.rect(0, 0, 50, 40)), ("B", frame.rect(5000, 0, 50, 40))])
    codes = {e.code for errors in refused.value.error_dict.values() for e in errors}
    assert "block_inside_township" in codes
    assert "block B: 2000.00 m² of the block lies outside township" in " ".join(refused.value.messages)
    assert not Block.objects.filter(township=township).exists()


def test_records_of_drafts_never_imported_are_cleaned_with_the_dry_runs_files(site, users, settings):
    import os
    import time

    from landreg import cleanup

    parcel, township = site
    committed = draft_services.layout_draft_check(parcel=parcel, township=township, params=PARAMS, by=users["gis"])
    draft_services.layout_draft_commit(layout_import=committed.layout_import, by=users["gis"])
    kept = draft_services.draft_record_path(committed.layout_import)
    never = kept.with_name("999999.json")  # a draft whose import was never committed
    never.write_text("{}", encoding="utf-8")
    day_ago = time.time() - 24 * 3600
    for path in (kept, never):
        os.utime(path, (day_ago, day_ago))
    settings.LANDREG_IMPORT_RETENTION_HOURS = 12
    assert draft_services.drafts_clean in cleanup._cleaners  # run by `manage.py clean_imports`
    assert draft_services.drafts_clean() == [never]
    assert kept.exists() and not never.exists()
