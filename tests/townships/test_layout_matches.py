"""What a GIS specialist reads before importing: for each changed plot the block before and after and how far it
moves, a match that does not overlap its old plot flagged as "a different plot with the same number?", the
plots not in the file in counting order, the file's own use values offered, and one size limit in MiB."""

import pytest

from tests.townships.layout_files import clean_layout, rect, write_layout
from townships.layouts import Mapping, layout_check, layout_commit
from townships.models import LayoutImport, LayoutSource, Plot

MAPPING = Mapping("PLOT_NO", "BLOCK", "USE")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def check(township, path, user):
    return layout_check(township=township, path=path, name=path.name, by=user, mapping=MAPPING)


@pytest.fixture
def imported(township, frame, users, tmp_path):
    """Plots 1-10 in block A and 11-14 in block B, imported."""
    first = write_layout(tmp_path / "first", "gpkg", frame, clean_layout())
    layout_commit(layout_import=check(township, first, users["gis"]), by=users["gis"])


@pytest.fixture
def new_block_numbered_from_one(township, frame, users, tmp_path, imported):
    """A surveyor's file of three new plots in block B numbered 1-3 (numbers already used in block A), and
    plot 4 redrawn 3 m north of where it was."""
    plots = [(str(i + 1), "B", "residential", rect(230 + i * 20, 60)) for i in range(3)]
    plots.append(("4", "A", "residential", rect(60, 3)))
    return check(township, write_layout(tmp_path / "second", "gpkg", frame, plots), users["gis"])


def test_each_change_says_the_block_before_and_after_and_how_far_the_plot_moves(new_block_numbered_from_one):
    changed = {c["number"]: c for c in new_block_numbered_from_one.report["changed"]}
    assert list(changed) == ["1", "2", "3", "4"]
    assert (changed["1"]["block_before"], changed["1"]["block_after"]) == ("A", "B")
    assert changed["1"]["changes"] == ["outline", "block"]
    assert 230 < changed["1"]["moved_m"] < 240  # from (10, 12.5) to (240, 72.5): about 237.7 m
    assert changed["4"] == {
        "number": "4",
        "changes": ["outline"],
        "allocated": False,
        "block_before": "A",
        "block_after": "A",
        "moved_m": 3.0,
        "different_plot": False,
    }


def test_a_match_that_does_not_overlap_its_old_plot_is_flagged(new_block_numbered_from_one):
    flagged = [c["number"] for c in new_block_numbered_from_one.report["changed"] if c["different_plot"]]
    assert flagged == ["1", "2", "3"]
    assert new_block_numbered_from_one.counts["different_plots"] == 3


def test_plots_not_in_the_file_are_listed_in_counting_order(new_block_numbered_from_one):
    assert new_block_numbered_from_one.report["missing"] == [str(n) for n in range(5, 15)]  # not 10, 11, …, 5


def test_the_report_page_shows_the_moves_and_asks_to_confirm_different_plots(
    client, users, new_block_numbered_from_one
):
    client.force_login(users["gis"])
    checked = new_block_numbered_from_one
    page = client.get(f"/layouts/{checked.pk}/").content.decode()
    assert 'id="different-plots"' in page and "different plots with the same numbers?" in page
    assert "1 (block A → B, 238 m), 2 (block A → B, 238 m)" in page and 'name="confirm_different_plots"' in page
    assert page.count("A different plot with the same number?") == 3  # each flagged row
    assert '<tr data-number="4">' in page and "3.0 m" in page
    assert "5, 6, 7, 8, 9, 10, 11, 12, 13, 14" in page
    refused = client.post(f"/layouts/{checked.pk}/commit/")
    assert refused.status_code == 302 and refused["Location"] == f"/layouts/{checked.pk}/"
    assert "Nothing was written" in client.get(refused["Location"]).content.decode()
    assert Plot.objects.get(number="1").block.code == "A"


@pytest.mark.django_db(transaction=True)  # the import streams from its own thread and database connection
def test_a_confirmed_move_is_imported(client, users, township, frame, tmp_path):
    first = write_layout(tmp_path / "first", "gpkg", frame, clean_layout())
    layout_commit(layout_import=check(township, first, users["gis"]), by=users["gis"])
    plots = [("1", "B", "residential", rect(230, 60))]
    checked = check(township, write_layout(tmp_path / "second", "gpkg", frame, plots), users["gis"])
    client.force_login(users["gis"])
    done = client.post(f"/layouts/{checked.pk}/commit/", {"confirm_different_plots": "yes"})
    assert "1 changed" in b"".join(done.streaming_content).decode()
    assert Plot.objects.get(number="1").block.code == "B"


def test_a_layout_without_suspicious_matches_needs_no_confirmation(client, users, township, frame, tmp_path, imported):
    plots = [("4", "A", "residential", rect(60, 3))]
    checked = check(township, write_layout(tmp_path / "moved", "gpkg", frame, plots), users["gis"])
    assert checked.counts["different_plots"] == 0
    client.force_login(users["gis"])
    assert 'id="different-plots"' not in client.get(f"/layouts/{checked.pk}/").content.decode()


def test_the_mapping_page_offers_the_files_own_use_values(client, users, township, frame, tmp_path):
    plots = [(str(i + 1), "A", spelling, rect(i * 20, 0)) for i, spelling in enumerate(["RES", "COM", "residential"])]
    path = write_layout(tmp_path, "gpkg", frame, plots)
    client.force_login(users["gis"])
    with open(path, "rb") as f:
        answer = client.post("/layouts/", {"township": township.pk, "file": f, "source": "Kabul office"})
    assert answer["Location"] == "/layouts/mapping/"
    page = client.get("/layouts/mapping/")
    assert page.context["values"] == ["COM", "RES", "residential"]
    html = page.content.decode()
    assert "The file writes 3 different values in “USE”" in html
    assert "“RES” in the file is" in html and "“COM” in the file is" in html
    assert page.context["form"].fields["use_for_2"].initial == "residential"  # already a use's name
    assert page.context["form"].fields["use_for_0"].initial == ""  # COM: not known yet
    answer = client.post(
        "/layouts/mapping/",
        {
            "number_field": "PLOT_NO",
            "block_field": "BLOCK",
            "use_field": "USE",
            "values_of": "USE",
            "use_for_0": "commercial",
            "use_for_1": "residential",
            "use_for_2": "residential",
        },
    )
    checked = LayoutImport.objects.get()
    assert answer["Location"] == f"/layouts/{checked.pk}/" and checked.status == LayoutImport.Status.CHECKED
    source = LayoutSource.objects.get(name="Kabul office")
    assert source.use_values == {"COM": "commercial", "RES": "residential", "residential": "residential"}


def test_picking_another_use_attribute_offers_its_values_before_checking(client, users, township, frame, tmp_path):
    plots = [(str(i + 1), "A", "RES", rect(i * 20, 0)) for i in range(2)]
    path = write_layout(tmp_path, "gpkg", frame, plots)
    client.force_login(users["gis"])
    with open(path, "rb") as f:
        client.post("/layouts/", {"township": township.pk, "file": f, "source": "Office"})
    page = client.post(
        "/layouts/mapping/", {"number_field": "PLOT_NO", "block_field": "", "use_field": "BLOCK", "values_of": "USE"}
    )
    assert page.status_code == 200 and not LayoutImport.objects.exists()
    assert page.context["values"] == ["A"] and "Choose the use each value of “BLOCK”" in page.content.decode()


def test_the_size_limit_is_one_number_in_mib(client, users, settings, township, frame, tmp_path):
    from townships.layouts import too_large_message

    client.force_login(users["gis"])
    page = client.get("/layouts/").content.decode()
    assert "Up to 200 MiB." in page and "209" not in page
    assert too_large_message(200 * 1024 * 1024 + 1) == (
        "The file is 201 MiB, over the 200 MiB limit. Split the layout into several files."
    )
