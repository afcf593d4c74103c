"""Shelter fixtures: a plot held by a household (allocation approved), a shelter project on it, site photos."""

import json
import subprocess
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from allocations.services import allocation_propose, allocation_transition
from demo.sample_photos import site_jpeg
from shelters.services import shelter_project_create
from tests.db.conftest import raw  # noqa: F401  (the raw-SQL fixture, for the database rule tests here)


@pytest.fixture
def held(plots, make_household, users):
    """Plot 0 allocated (approved) to a household."""
    household = make_household(registered_by=users["officer_nangarhar"])
    allocation = allocation_propose(household=household, plot=plots[0], proposed_by=users["officer_nangarhar"])
    return allocation_transition(allocation=allocation, action="approve", by=users["committee"], reference="CMT-1")


@pytest.fixture
def project(held, users):
    return shelter_project_create(
        allocation=held,
        implementing_partner="Shelter Partner NGO",
        modality="conditional_cash",
        by=users["officer_nangarhar"],
        tranches=[("foundation", 40000), ("roof", 60000)],
    )


@pytest.fixture
def on_plot(frame):
    """A GPS point inside plot 0 (0..20 × 0..25 m)."""
    return frame.rect(10, 12, 1, 1).centroid


@pytest.fixture
def photo(on_plot):
    counter = {"n": 0}

    def make(seed=None, **kwargs):
        counter["n"] += 1
        data = site_jpeg(lat=on_plot.y, lon=on_plot.x, seed=seed if seed is not None else counter["n"], **kwargs)
        return SimpleUploadedFile(f"IMG_{counter['n']:04d}.jpg", data, content_type="image/jpeg")

    return make


@pytest.fixture
def inspect(project, field_officer, on_plot, photo):
    """Submit an inspection of plot 0 as the field officer; passes with one photo unless told otherwise."""

    def submit(stage, result="pass", photos=None, point=None, **kwargs):
        from shelters.services import inspection_submit

        return inspection_submit(
            client_uuid=kwargs.pop("client_uuid", uuid.uuid4()),
            plot=project.plot,
            stage=stage,
            inspected_on=kwargs.pop("inspected_on", timezone.localdate()),
            by=kwargs.pop("by", field_officer),
            result=result,
            point=point or on_plot,
            accuracy_m=kwargs.pop("accuracy_m", 5),
            photos=[photo()] if photos is None else photos,
            **kwargs,
        )[0]

    return submit


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Photos written by the tests go to a scratch folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


# The keywords makemessages gives xgettext for Python files (django/core/management/commands/makemessages.py).
MAKEMESSAGES_KEYWORDS = [
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
]


def _po_strings(text: str) -> set[str]:
    """The msgids of a PO file (continuation lines joined)."""
    found, current = set(), None
    for line in text.splitlines() + [""]:
        if line.startswith("msgid "):
            current = json.loads(line[6:])
        elif line.startswith('"') and current is not None:
            current += json.loads(line)
        else:
            if current:
                found.add(current)
            current = None
    return found


def strings_makemessages_collects(*paths) -> set[str]:
    """What `makemessages` would put in the catalogue from these Python files: xgettext with Django's keywords."""
    result = subprocess.run(
        ["xgettext", "--language=Python", "--from-code=UTF-8", *MAKEMESSAGES_KEYWORDS, "-o", "-", *map(str, paths)],
        check=True,
        capture_output=True,
        text=True,
    )
    return _po_strings(result.stdout)


@pytest.fixture
def catalogue(settings, tmp_path):
    """Install Dari and Pashto catalogues translating the given English strings as "[fa] …" and "[ps] …", ahead of
    locale/ (as the translators' catalogue will be), compiled by msgfmt as `compilemessages` does."""

    def install(msgids) -> None:
        for language in ("fa", "ps"):
            folder = tmp_path / "locale" / language / "LC_MESSAGES"
            folder.mkdir(parents=True, exist_ok=True)
            lines = ['msgid ""', 'msgstr "Content-Type: text/plain; charset=UTF-8\\n"', ""]
            for msgid in sorted(msgids):
                lines += [
                    f"msgid {json.dumps(msgid, ensure_ascii=False)}",
                    f"msgstr {json.dumps(f'[{language}] {msgid}', ensure_ascii=False)}",
                    "",
                ]
            (folder / "django.po").write_text("\n".join(lines), encoding="utf-8")
            subprocess.run(["msgfmt", "-o", folder / "django.mo", folder / "django.po"], check=True)
        settings.LOCALE_PATHS = [tmp_path / "locale", *settings.LOCALE_PATHS]  # the first path wins

    return install
