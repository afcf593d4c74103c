"""The border monitoring teams' daily flow counts (docs/movements.md, "Flow counts"): entered for one day at one
point (flow_counts_replace, for the page's grid) or imported from a CSV or XLSX file with a dry run
(flow_counts_import).

A day's counts from one source replace what that source gave for that day and point before: never added to them.
Rows no longer given are removed; the history (FlowCountEvent) keeps every earlier value. An import is all or
nothing: one invalid row and nothing is written, and each invalid row gets its sentences (an unknown crossing
point, a negative number, a future date, a split that does not add up to its total…)."""

import csv
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from landreg import roles
from landreg.calendar import parse_date
from landreg.rules import database_rules_explained
from landreg.services_common import require_province, require_role
from landreg.spreadsheets import SpreadsheetError, xlsx_rows
from landreg.uploads import max_upload_mib
from movements.models import SPLIT_CELLS, ArrivalCategory, Direction, FlowCount, Travelling
from parcels.models import CrossingPoint

FLOW_ROLES = [roles.LAND_OFFICER, roles.FIELD_OFFICER]
KEY = ("direction", "category", "travelling")  # with the crossing point, day and source: one row per key
NUMBERS = ("total", "female", "male", *SPLIT_CELLS)
COLUMNS = {
    "crossing_point": ["crossing_point", "border_crossing", "point", "crossing"],
    "day": ["day", "date"],
    "direction": ["direction"],
    "category": ["category"],
    "travelling": ["travelling", "traveling", "family_or_alone"],
    "source": ["source"],
    "method": ["method"],
    **{name: [name] for name in NUMBERS},
}
REQUIRED = ["crossing_point", "day", "direction", "category", "travelling", "source", "method", "total"]

OUTCOME_LABELS = {
    "new": gettext_lazy("New"),
    "replace": gettext_lazy("Replaces the earlier count"),
    "same": gettext_lazy("Unchanged"),
    "invalid": gettext_lazy("Invalid"),
}


class FlowFileError(Exception):
    """The file as a whole cannot be read; the message says what to fix."""


@dataclass
class FlowRowReport:
    row: int  # as the officer sees it in a spreadsheet (header = 1)
    outcome: str  # "new", "replace", "same" or "invalid"
    messages: list[str] = field(default_factory=list)

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS[self.outcome])


@dataclass
class FlowImportReport:
    rows: list[FlowRowReport]
    # Counts recorded before for a day, point and source of the file that the file no longer gives: removed.
    removed: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def counts(self) -> dict:
        out = {key: 0 for key in OUTCOME_LABELS}
        for row in self.rows:
            out[row.outcome] += 1
        return out


def _lookup_key(text) -> str:
    return "".join(str(text).translate(str.maketrans({"ي": "ی", "ك": "ک"})).replace("-", "_").split()).casefold()


def crossing_points_by_code_and_name() -> dict:
    """Each crossing point by its code and its English, Dari and Pashto names."""
    found = {}
    for point in CrossingPoint.objects.all():
        for text in (point.code, point.name_en, point.name_prs, point.name_ps):
            if text:
                found.setdefault(_lookup_key(text), point)
    return found


def read_table(name: str, content: bytes) -> list[dict]:
    """Rows of a CSV or XLSX file as dicts keyed by the column names above (header spellings accepted)."""
    if len(content) > settings.LANDREG_MAX_UPLOAD_BYTES:
        raise FlowFileError(_("The file is larger than the %(mb)d MiB limit; split it.") % {"mb": max_upload_mib()})
    if name.lower().endswith(".xlsx"):
        try:
            table = xlsx_rows(content)
        except SpreadsheetError as exc:
            raise FlowFileError(str(exc)) from exc
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FlowFileError(
                _("The CSV file is not UTF-8 text (byte %(at)d). Save it as “CSV UTF-8”.") % {"at": exc.start}
            ) from exc
        try:
            table = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise FlowFileError(_("The CSV file is malformed: %(e)s.") % {"e": exc}) from exc
    table = [row for row in table if any(str(c if c is not None else "").strip() for c in row)]
    if not table:
        raise FlowFileError(_("The file is empty."))
    header = [str(h if h is not None else "").strip().lower().replace(" ", "_").replace("-", "_") for h in table[0]]
    positions = {}
    for column, spellings in COLUMNS.items():
        for i, h in enumerate(header):
            if h in spellings:
                positions[column] = i
                break
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        raise FlowFileError(
            _("The header row lacks the column(s) %(cols)s. Found: %(found)s.")
            % {"cols": ", ".join(missing), "found": ", ".join(header)}
        )
    return [
        {c: (row[i] if i < len(row) and row[i] is not None else "") for c, i in positions.items()} for row in table[1:]
    ]


def _number(value, column: str, problems: list) -> int | None:
    text = str(value).strip()
    if text == "":
        return None
    try:
        number = float(text)
    except ValueError:
        problems.append(_("%(c)s “%(v)s” is not a number.") % {"c": column, "v": text})
        return None
    if number != int(number):
        problems.append(_("%(c)s “%(v)s” is not a whole number of people.") % {"c": column, "v": text})
        return None
    if number < 0:
        problems.append(_("%(c)s is %(v)s: a count cannot be negative.") % {"c": column, "v": text})
        return None
    return int(number)


def split_problems(values: dict) -> list[str]:
    """What is wrong with a count's split (the database says the same: flow_count_split_adds_up)."""
    problems = []
    total, female, male = values.get("total"), values.get("female"), values.get("male")
    if (female is None) != (male is None):
        problems.append(_("Give both female and male, or neither."))
    elif female is not None and total is not None and female + male != total:
        problems.append(
            _("Female %(f)d and male %(m)d add up to %(s)d, not the total %(t)d.")
            % {"f": female, "m": male, "s": female + male, "t": total}
        )
    cells = [values.get(c) for c in SPLIT_CELLS]
    given = [c for c in cells if c is not None]
    if given and len(given) != len(cells):
        problems.append(_("Give all eight sex and age cells (%(cells)s), or none.") % {"cells": ", ".join(SPLIT_CELLS)})
    elif given and total is not None:
        if sum(given) != total:
            problems.append(
                _("The sex and age cells add up to %(s)d, not the total %(t)d.") % {"s": sum(given), "t": total}
            )
        for sex, count in (("f", female), ("m", male)):
            part = sum(values[c] for c in SPLIT_CELLS if c.startswith(sex + "_"))
            if count is not None and part != count:
                problems.append(
                    _("The %(sex)s age cells add up to %(s)d, not %(n)d.")
                    % {"sex": _("female") if sex == "f" else _("male"), "s": part, "n": count}
                )
    return problems


def _choice(raw: dict, column: str, choices, problems: list) -> str:
    text = str(raw.get(column, "")).strip().lower().replace(" ", "_").replace("-", "_")
    if text not in choices.values:
        problems.append(
            _("%(c)s “%(v)s” is not one of %(ok)s.") % {"c": column, "v": text, "ok": ", ".join(choices.values)}
        )
    return text


def parse_row(raw: dict, points: dict, check_point) -> dict:
    """One row as a flow count's values; ValueError with the list of problems otherwise."""
    problems, values = [], {}
    for column, value in raw.items():
        if isinstance(value, str) and "\x00" in value:
            problems.append(_("Column %(c)s holds a NUL character; remove it.") % {"c": column})
    text = str(raw.get("crossing_point", "")).strip()
    values["crossing_point"] = points.get(_lookup_key(text))
    if values["crossing_point"] is None:
        problems.append(
            _("Crossing point “%(p)s” is not known; write its code (torkham, islam_qala…) or its name.") % {"p": text}
        )
    else:
        try:
            check_point(values["crossing_point"])
        except PermissionDenied as refusal:
            problems.append(str(refusal))
    try:
        values["day"] = parse_date(raw.get("day", ""))
    except ValueError:
        values["day"] = None
    if values["day"] is None:
        problems.append(_("Date “%(v)s” is not a date; write 2025-08-02 or 1404/05/11.") % {"v": raw.get("day", "")})
    elif values["day"] > timezone.localdate():
        problems.append(_("Date %(d)s is in the future.") % {"d": values["day"].isoformat()})
    values["direction"] = _choice(raw, "direction", Direction, problems)
    values["category"] = _choice(raw, "category", ArrivalCategory, problems)
    values["travelling"] = _choice(raw, "travelling", Travelling, problems)
    values["source"] = _choice(raw, "source", FlowCount.Source, problems)
    values["method"] = _choice(raw, "method", FlowCount.Method, problems)
    for column in NUMBERS:
        values[column] = _number(raw.get(column, ""), column, problems)
    if values["total"] is None and not any("total" in p for p in problems):
        problems.append(_("The total is missing."))
    problems += split_problems(values)
    if problems:
        raise ValueError(problems)
    return values


def _same(obj: FlowCount, values: dict) -> bool:
    return obj.method == values["method"] and all(getattr(obj, c) == values.get(c) for c in NUMBERS)


def _replace(groups: dict, *, by, is_demo: bool = False) -> list[str]:
    """Write each (crossing point, day, source) group's counts, replacing that group's earlier ones; the sentences
    of the rows removed."""
    removed = []
    for (point, day, source), rows in groups.items():
        existing = {
            tuple(getattr(o, k) for k in KEY): o
            for o in FlowCount.objects.select_for_update().filter(crossing_point=point, day=day, source=source)
        }
        for values in rows:
            key = tuple(values[k] for k in KEY)
            obj = existing.pop(key, None)
            if obj is not None and _same(obj, values):
                continue
            obj = obj or FlowCount(crossing_point=point, day=day, source=source, **dict(zip(KEY, key, strict=True)))
            obj.method, obj.recorded_by, obj.is_demo = values["method"], by, is_demo
            for column in NUMBERS:
                setattr(obj, column, values.get(column))
            with database_rules_explained():
                obj.save()
        for key, obj in existing.items():
            removed.append(
                _("%(point)s, %(day)s, %(source)s: %(key)s (%(n)d) is no longer given and is removed.")
                % {
                    "point": point.name_en,
                    "day": day.isoformat(),
                    "source": source,
                    "key": " ".join(key),
                    "n": obj.total,
                }
            )
            obj.delete()
    return removed


@transaction.atomic
def flow_counts_replace(*, crossing_point, day, source: str, rows: list[dict], by, is_demo: bool = False) -> list[str]:
    """Set one day's counts at one point from one source (the page's grid): each row a dict of direction,
    category, travelling, method, total and the optional split. Earlier counts of that day, point and source are
    replaced; the sentences of the counts removed are returned."""
    require_role(by, FLOW_ROLES, _("record flow counts"))
    require_province(by, crossing_point.province_id, _("Crossing point %(c)s") % {"c": crossing_point.name_en})
    if source not in FlowCount.Source.values:
        raise ValidationError({"source": ValidationError(_("Choose the source of the counts."), code="invalid_choice")})
    if day > timezone.localdate():
        raise ValidationError({"day": ValidationError(_("The day is in the future."), code="future_date")})
    checked, seen, problems = [], set(), []
    for number, row in enumerate(rows, start=1):
        raw = {**{k: row.get(k, "") for k in (*KEY, "method", *NUMBERS)}, "crossing_point": crossing_point.code}
        raw.update({"day": day.isoformat(), "source": source})
        try:
            values = parse_row(raw, {_lookup_key(crossing_point.code): crossing_point}, lambda point: None)
        except ValueError as exc:
            problems += [_("Line %(n)d: %(p)s") % {"n": number, "p": p} for p in exc.args[0]]
            continue
        key = tuple(values[k] for k in KEY)
        if key in seen:
            problems.append(_("Line %(n)d repeats %(key)s.") % {"n": number, "key": " ".join(key)})
        seen.add(key)
        checked.append(values)
    if problems:
        raise ValidationError(problems, code="flow_counts_invalid")
    return _replace({(crossing_point, day, source): checked}, by=by, is_demo=is_demo)


def flow_counts_import(*, name: str, content: bytes, by, dry_run: bool = True) -> FlowImportReport:
    """Check (dry run) or import a file of flow counts. All or nothing; see the module's docstring."""
    require_role(by, FLOW_ROLES, _("import flow counts"))
    rows = read_table(name, content)
    points = crossing_points_by_code_and_name()

    def check_point(point: CrossingPoint) -> None:
        require_province(by, point.province_id, _("Crossing point %(c)s") % {"c": point.name_en})

    reports, groups, seen = [], {}, {}
    for number, raw in enumerate(rows, start=2):
        try:
            values = parse_row(raw, points, check_point)
        except ValueError as exc:
            reports.append(FlowRowReport(number, "invalid", list(exc.args[0])))
            continue
        group = (values["crossing_point"], values["day"], values["source"])
        key = (*group, *(values[k] for k in KEY))
        if key in seen:
            reports.append(
                FlowRowReport(number, "invalid", [_("This row repeats the key of row %(r)d.") % {"r": seen[key]}])
            )
            continue
        seen[key] = number
        groups.setdefault(group, []).append(values)
        existing = FlowCount.objects.filter(
            crossing_point=group[0], day=group[1], source=group[2], **{k: values[k] for k in KEY}
        ).first()
        outcome = "new" if existing is None else ("same" if _same(existing, values) else "replace")
        messages = []
        if outcome == "replace":
            messages.append(_("Replaces %(n)d recorded before.") % {"n": existing.total})
        reports.append(FlowRowReport(number, outcome, messages))
    report = FlowImportReport(reports)
    if report.counts["invalid"]:
        return report
    with transaction.atomic():
        report.removed = _replace(groups, by=by)
        if dry_run:
            transaction.set_rollback(True)
            return report
    report.committed = True
    return report


# The template offered for download: the header row and one example.
TEMPLATE_ROWS = [
    ["crossing_point", "day", "direction", "category", "travelling", "source", "method", "total", "female", "male"]
    + list(SPLIT_CELLS),
    ["torkham", "2025-08-02", "in", "deported", "family", "border_team", "headcount", "120", "58", "62"]
    + ["14", "20", "20", "4", "14", "22", "22", "4"],
]
