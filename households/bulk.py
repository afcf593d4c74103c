"""Bulk registration from a list (CSV or XLSX), such as a border-registration list.

A dry run reports, row by row, what would be created, what is a duplicate and what is invalid, and why.
The real run is all-or-nothing: if any row is invalid nothing is written. Exact duplicates (the same tazkira
or PoR number as a registered household, or as an earlier row) are never registered twice; similar names
are registered and flagged for the officer to decide.
"""

import csv
import hashlib
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.identity import id_number_hash, normalise_phone
from households.models import VULNERABILITY_FLAGS, Category, DuplicateFlag, Household, Person
from households.services import OUTSIDE_SCOPE, duplicate_candidates_visible, duplicate_check_log, household_register
from landreg import roles
from landreg.calendar import parse_date
from landreg.services_common import require_province, require_role
from landreg.spreadsheets import SpreadsheetError, xlsx_rows
from landreg.uploads import max_upload_mib
from parcels.models import AdminArea

# The outcome of a row, as the officer reads it.
OUTCOME_LABELS = {
    "create": gettext_lazy("To register"),
    "duplicate": gettext_lazy("Duplicate"),
    "invalid": gettext_lazy("Invalid"),
}

COLUMNS = {  # column -> accepted header spellings (lower case)
    "province": ["province", "province_pcode", "pcode", "adm1_pcode"],
    "category": ["category"],
    "size": ["size", "household_size", "members"],
    "head_name": ["head_name", "head", "name"],
    "father_name": ["father_name", "father"],
    "sex": ["sex", "head_sex"],
    "date_of_birth": ["date_of_birth", "dob", "birth_date"],
    "tazkira": ["tazkira", "tazkira_number", "nid"],
    "por": ["por", "por_number", "por_card"],
    "phone": ["phone", "phone_number", "mobile"],
    "return_date": ["return_date", "date_of_return"],
    "country_returned_from": ["country_returned_from", "returned_from", "country"],
    "return_type": ["return_type"],
    "crossing_point": ["crossing_point", "border_crossing"],
    "female_headed": ["female_headed"],
    "disability": ["disability", "person_with_disability"],
    "elderly_head": ["elderly_head"],
    "unaccompanied_child": ["unaccompanied_child"],
    "chronic_illness": ["chronic_illness"],
    "landless_declared": ["landless_declared", "landless"],
    "prior_beneficiary": ["prior_beneficiary"],
}
REQUIRED = ["province", "category", "size", "head_name", "sex"]
FLAGS = [*VULNERABILITY_FLAGS, "landless_declared", "prior_beneficiary"]
TRUE, FALSE = {"1", "yes", "y", "true", "x", "بلی", "هو"}, {"", "0", "no", "n", "false", "نخیر", "نه"}


class ListError(Exception):
    """The file as a whole cannot be read; the message says what to fix."""


@dataclass
class RowReport:
    row: int  # the row number as the officer sees it in a spreadsheet (header = 1)
    outcome: str  # "create", "duplicate" or "invalid"
    messages: list[str] = field(default_factory=list)
    code: str = ""

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS[self.outcome])


@dataclass
class ImportReport:
    rows: list[RowReport]
    committed: bool = False

    @property
    def counts(self) -> dict:
        out = {"create": 0, "duplicate": 0, "invalid": 0}
        for r in self.rows:
            out[r.outcome] += 1
        return out


def read_rows(name: str, content: bytes) -> list[dict]:
    """Rows of a CSV or XLSX file as dicts keyed by our column names."""
    if len(content) > settings.LANDREG_MAX_UPLOAD_BYTES:
        raise ListError(_("The file is larger than the %(mb)d MiB limit; split the list.") % {"mb": max_upload_mib()})
    if name.lower().endswith(".xlsx"):
        try:
            table = xlsx_rows(content)
        except SpreadsheetError as exc:
            raise ListError(str(exc)) from exc
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ListError(
                _("The CSV file is not UTF-8 text (byte %(at)d). Save it as “CSV UTF-8”.") % {"at": exc.start}
            ) from exc
        try:
            table = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise ListError(_("The CSV file is malformed: %(e)s.") % {"e": exc}) from exc
    table = [row for row in table if any(str(c).strip() for c in row)]
    if not table:
        raise ListError(_("The file is empty."))
    header = [str(h).strip().lower().replace(" ", "_") for h in table[0]]
    positions = {}
    for column, spellings in COLUMNS.items():
        for i, h in enumerate(header):
            if h in spellings:
                positions[column] = i
                break
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        raise ListError(
            _("The header row lacks the column(s) %(cols)s. Found: %(found)s.")
            % {"cols": ", ".join(missing), "found": ", ".join(header)}
        )
    return [{c: (row[i] if i < len(row) else "") for c, i in positions.items()} for row in table[1:]]


def province_lookup_key(text: str) -> str:
    """How a province is looked up: its p-code or any of its names, case, spaces and Arabic letter forms aside."""
    return "".join(str(text).translate(_ARABIC_FORMS).split()).casefold()


# Arabic keyboards type ي and ك where Dari has ی and ک.
_ARABIC_FORMS = str.maketrans({"ي": "ی", "ك": "ک", "ى": "ی"})


def provinces_by_code_and_name() -> dict:
    """Each province by its p-code and by its English, Dari and Pashto names (province_lookup_key)."""
    found = {}
    for area in AdminArea.objects.filter(level="province"):
        for text in (area.pcode, area.name_en, area.name_prs, area.name_ps):
            if text:
                found.setdefault(province_lookup_key(text), area)
    return found


# The template offered for download: the header row, and one example row that says how each column is written.
TEMPLATE_ROWS = [
    [
        "province",
        "category",
        "size",
        "head_name",
        "father_name",
        "sex",
        "date_of_birth",
        "tazkira",
        "por",
        "phone",
        "return_date",
        "country_returned_from",
        "return_type",
        "crossing_point",
        *FLAGS,
    ],
    [
        "Nangarhar",
        "documented_returnee",
        "6",
        "Gul Agha",
        "Noor Mohammad",
        "m",
        "1360/01/01",
        "1400-0101-23456",
        "",
        "0700 123 456",
        "1403/05/12",
        "PK",
        "deported",
        "torkham",
        *["no"] * len(FLAGS),
    ],
]


def list_template_csv() -> bytes:
    """The template list as CSV, UTF-8 with a byte-order mark so that spreadsheet programs read Dari names."""
    out = io.StringIO(newline="")
    csv.writer(out).writerows(TEMPLATE_ROWS)
    return out.getvalue().encode("utf-8-sig")


def _date(value, what: str):
    """A Gregorian (2024-08-02) or Solar Hijri (1403/05/12) date, or a spreadsheet date."""
    try:
        return parse_date(value)
    except ValueError:
        raise ValueError(
            _("%(what)s “%(v)s” is not a date; write 2024-08-02 or 1403/05/12.") % {"what": what, "v": value}
        ) from None


def _flag(value, what: str) -> bool:
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(_("%(what)s must be yes or no, not “%(v)s”.") % {"what": what, "v": value})


def _parse(raw: dict, provinces: dict, check_province: Callable[[AdminArea], None]) -> dict:
    """One row as arguments for household_register; raises ValueError listing every problem. check_province
    refuses (PermissionDenied) a province outside the officer's."""
    problems, values = [], {}
    for column, value in raw.items():  # PostgreSQL stores no NUL character in text: say so, row by row
        if isinstance(value, str) and "\x00" in value:
            problems.append(
                _("Column %(column)s holds a NUL character, which no text may contain; remove it.") % {"column": column}
            )
    pcode = str(raw.get("province", "")).strip()
    values["province"] = provinces.get(province_lookup_key(pcode))
    if values["province"] is None:
        problems.append(
            _("Province “%(p)s” is neither a province p-code (AF01…AF34) nor a province's name.") % {"p": pcode}
        )
    else:
        try:
            check_province(values["province"])
        except PermissionDenied as refusal:
            problems.append(str(refusal))
    category = str(raw.get("category", "")).strip().lower()
    if category not in Category.values:
        problems.append(_("Category “%(c)s” is not one of %(ok)s.") % {"c": category, "ok": ", ".join(Category.values)})
    values["category"] = category
    try:
        values["size"] = int(float(str(raw.get("size", "")).strip()))
        if values["size"] < 1:
            raise ValueError
    except ValueError:
        problems.append(
            _("Household size “%(s)s” must be a whole number of people, 1 or more.") % {"s": raw.get("size", "")}
        )
    sex = str(raw.get("sex", "")).strip().lower()[:1]
    if sex not in ("f", "m"):
        problems.append(_("Sex must be f or m."))
    name = str(raw.get("head_name", "")).strip()
    if not name:
        problems.append(_("The head of household's name is missing."))
    head = {
        "name": name,
        "father_name": str(raw.get("father_name", "")).strip(),
        "sex": sex,
        "tazkira": str(raw.get("tazkira", "")).strip(),
        "por": str(raw.get("por", "")).strip(),
    }
    try:
        head["phone"] = normalise_phone(str(raw.get("phone", "")))
    except ValueError as exc:
        problems.append(str(exc))
    for column, target, label in (
        ("date_of_birth", head, _("Date of birth")),
        ("return_date", values, _("Return date")),
    ):
        try:
            target[column] = _date(raw.get(column, ""), label)
        except ValueError as exc:
            problems.append(str(exc))
    for flag in FLAGS:
        try:
            values[flag] = _flag(raw.get(flag, ""), flag.replace("_", " "))
        except ValueError as exc:
            problems.append(str(exc))
    for column, choices in (
        ("return_type", Household.ReturnType.values),
        ("crossing_point", Household.CrossingPoint.values),
    ):
        text = str(raw.get(column, "")).strip().lower().replace(" ", "_")
        if text and text not in choices:
            problems.append(
                _("%(c)s “%(v)s” is not one of %(ok)s.")
                % {"c": column.replace("_", " "), "v": text, "ok": ", ".join(choices)}
            )
        values[column] = text
    values["country_returned_from"] = str(raw.get("country_returned_from", "")).strip().upper()[:2]
    if problems:
        raise ValueError(problems)
    values["head"] = head
    return values


_REASONS = {"tazkira": DuplicateFlag.Reason.SAME_TAZKIRA, "por": DuplicateFlag.Reason.SAME_POR}


def households_import(
    *,
    name: str,
    content: bytes,
    by,
    dry_run: bool = True,
    progress: Callable[[str, int, int], None] | None = None,
    where: str = "",
) -> ImportReport:
    """Check (dry run) or register a list of households. See the module's docstring for the rules.

    A registered household that matches a row is named by its code only when it is in the officer's provinces;
    every household matched is logged as viewed (where: the page, endpoint or command)."""
    require_role(by, [roles.LAND_OFFICER], _("register households"))
    where = where or "household list import"
    rows = read_rows(name, content)
    provinces = provinces_by_code_and_name()

    def check_province(province: AdminArea) -> None:  # each row's, before anything is written (dry run too)
        require_province(by, province.pk, _("Province “%(p)s”") % {"p": province.pcode})

    reports, parsed, seen, matched = [], [], {}, {}
    for number, raw in enumerate(rows, start=2):
        try:
            values = _parse(raw, provinces, check_province)
        except ValueError as exc:
            reports.append(RowReport(number, "invalid", list(exc.args[0])))
            parsed.append(None)
            continue
        duplicate = None
        for key in ("tazkira", "por"):
            digest = id_number_hash(values["head"][key])
            if not digest:
                continue
            if digest in seen:
                duplicate = _("Same %(id)s number as row %(row)d of this list.") % {"id": key, "row": seen[digest]}
            else:
                match = Person.objects.filter(**{f"{key}_hash": digest}).select_related("household").first()
                if match:
                    matched.setdefault(number, []).append((key, match.household))
                    duplicate = duplicate or ""  # worded below, once the households the officer may see are known
                seen[digest] = number
        if duplicate is not None:
            reports.append(RowReport(number, "duplicate", [duplicate] if duplicate else []))
            parsed.append(None)
        else:
            reports.append(RowReport(number, "create"))
            parsed.append(values)
        if progress:
            progress("checked", number - 1, len(rows))
    if matched:
        households = {household.pk: household for found in matched.values() for _key, household in found}
        visible = duplicate_candidates_visible(by, households)
        for row in reports:
            if row.row in matched and not row.messages:
                key, household = matched[row.row][0]
                row.messages.append(
                    _("Same %(id)s number as registered household %(code)s.") % {"id": key, "code": household.code}
                    if household.pk in visible
                    else str(OUTSIDE_SCOPE[_REASONS[key]])
                )
        duplicate_check_log(by=by, ids=households, where=f"{where} (duplicate check)")
    report = ImportReport(reports)
    if dry_run or report.counts["invalid"]:
        return report
    with transaction.atomic():
        for done, (row, values) in enumerate(zip(reports, parsed, strict=True), start=1):
            if progress:
                progress("registered", done, len(rows))
            if values is None:
                continue
            try:
                household = household_register(registered_by=by, where=where, **values)
            except (ValidationError, PermissionDenied) as exc:  # e.g. a race with another registration
                row.outcome, row.messages = "invalid", list(getattr(exc, "messages", [str(exc)]))
                transaction.set_rollback(True)
                return report
            row.code = household.code
            flags = list(household.duplicate_flags.select_related("candidate"))
            visible = duplicate_candidates_visible(by, {f.candidate_id for f in flags})
            codes = [f.candidate.code for f in flags if f.candidate_id in visible]
            if codes:
                row.messages.append(
                    _("Registered; possible duplicate of %(codes)s flagged for your decision.")
                    % {"codes": ", ".join(codes)}
                )
            for flag in flags:
                if flag.candidate_id not in visible:
                    row.messages.append(str(OUTSIDE_SCOPE[flag.reason]))
    report.committed = True
    return report


# --- the uploaded list, kept between the dry run and the real run --------------------------------------------------
# A list holds names and ID numbers in clear: it is kept only until the real run, or at most
# LANDREG_IMPORT_RETENTION_HOURS (`manage.py clean_imports` deletes older ones).


def _kept_lists() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def list_keep(content: bytes) -> str:
    """Keep an uploaded list for its real run; returns the key (its SHA-256) to find it again."""
    folder = _kept_lists()
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(content).hexdigest()
    (folder / digest).write_bytes(content)
    return digest


def list_kept(digest: str) -> bytes | None:
    """The kept list, or None once it is gone (registered, or past its retention)."""
    if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
        return None
    path = _kept_lists() / digest
    return path.read_bytes() if path.exists() else None


def list_forget(digest: str) -> None:
    if list_kept(digest) is not None:
        (_kept_lists() / digest).unlink(missing_ok=True)


def lists_clean(*, older_than_hours: float | None = None) -> list[Path]:
    """Delete kept lists older than the retention; returns the paths deleted."""
    hours = settings.LANDREG_IMPORT_RETENTION_HOURS if older_than_hours is None else older_than_hours
    cutoff = time.time() - hours * 3600
    folder = _kept_lists()
    removed = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
