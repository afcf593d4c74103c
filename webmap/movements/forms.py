"""Forms of the movements pages. They only collect input; the services (movements/services.py, movements/flows.py)
decide, and their sentences are put back on these forms' fields."""

import datetime
import uuid

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy

from landreg.calendar import ShamsiDateField
from landreg.i18n import local_name
from movements.models import (
    COUNTRIES_OF_ASYLUM,
    AgeBand,
    ArrivalCategory,
    ArrivalMember,
    Assistance,
    Direction,
    DocumentHeld,
    FlowCount,
    IdpSite,
    Sex,
    SitePopulationEstimate,
    Travelling,
    Vulnerability,
)
from parcels.models import AdminArea, CrossingPoint

# The countries of asylum a border team meets most; any other is typed as its two-letter code.
COUNTRIES = [*COUNTRIES_OF_ASYLUM.items(), ("", gettext_lazy("Another country (type its code)"))]


class AreaField(forms.ModelChoiceField):
    """A province or district, named in the reader's language with its p-code."""

    def label_from_instance(self, obj):
        return f"{local_name(obj)} ({obj.pcode})"


class CrossingPointField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return local_name(obj)


def crossing_point_field(**kwargs) -> CrossingPointField:
    return CrossingPointField(
        CrossingPoint.objects.filter(active=True).select_related("province").order_by("-main", "name_en"),
        label=gettext_lazy("Crossing point"),
        error_messages={
            "invalid_choice": gettext_lazy("Choose one of the crossing points listed."),
            "required": gettext_lazy("Choose the crossing point."),
        },
        **{"empty_label": "—", **kwargs},
    )


def provinces_field(**kwargs) -> AreaField:
    return AreaField(
        AdminArea.objects.filter(level=AdminArea.Level.PROVINCE).order_by("name_en"),
        error_messages={
            "invalid_choice": gettext_lazy("Choose one of Afghanistan's provinces."),
            "required": gettext_lazy("Choose the province."),
        },
        **{"empty_label": "—", **kwargs},
    )


def districts_field(**kwargs) -> AreaField:
    return AreaField(
        AdminArea.objects.filter(level=AdminArea.Level.DISTRICT).select_related("parent").order_by("name_en"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose one of Afghanistan's districts, or none.")},
        **kwargs,
    )


def narrow_to_provinces(field, provinces: set[int] | None, attribute: str = "province") -> None:
    """Offer only the crossing points or provinces of the officer's provinces (the services check again)."""
    if provinces is not None:
        field.queryset = field.queryset.filter(
            **{f"{attribute}__in": provinces} if attribute else {"pk__in": provinces}
        )


class ArrivalFilterForm(forms.Form):
    crossing_point = crossing_point_field(required=False, empty_label=gettext_lazy("All crossing points"))
    since = ShamsiDateField(required=False, label=gettext_lazy("From"))
    until = ShamsiDateField(required=False, label=gettext_lazy("Until"))
    category = forms.ChoiceField(
        choices=[("", gettext_lazy("All categories")), *ArrivalCategory.choices],
        required=False,
        label=gettext_lazy("Category"),
        error_messages={"invalid_choice": gettext_lazy("Choose one of the categories listed.")},
    )

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", gettext_lazy("The end of the period comes before its start; swap the dates."))
        return data


class ArrivalForm(forms.Form):
    """The family's crossing; its members are ArrivalMemberFormSet, on the same screen."""

    client_uuid = forms.UUIDField(widget=forms.HiddenInput)
    crossing_point = crossing_point_field()
    crossed_on = ShamsiDateField(
        label=gettext_lazy("Date of crossing"),
        error_messages={"required": gettext_lazy("Write the date of the crossing.")},
    )
    crossed_time = forms.TimeField(
        label=gettext_lazy("Time (Kabul)"),
        widget=forms.TimeInput(attrs={"type": "time", "dir": "ltr"}, format="%H:%M"),
        error_messages={
            "invalid": gettext_lazy("Write the time as hours and minutes, such as 14:30."),
            "required": gettext_lazy("Write the time of the crossing."),
        },
    )
    direction = forms.ChoiceField(choices=Direction.choices, label=gettext_lazy("Direction"), initial=Direction.IN)
    category = forms.ChoiceField(
        choices=[("", "—"), *ArrivalCategory.choices],
        label=gettext_lazy("Category"),
        error_messages={"required": gettext_lazy("Choose the category of return.")},
    )
    repatriation_form = forms.CharField(
        max_length=40,
        required=False,
        label=gettext_lazy("Repatriation form number (AVR)"),
        help_text=gettext_lazy(
            "Needed for an assisted voluntary repatriation; kept only as a protected code and its last digits."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "ltr"}),
    )
    country = forms.ChoiceField(
        choices=COUNTRIES, required=False, label=gettext_lazy("Country of asylum"), initial="IR"
    )
    country_other = forms.CharField(
        max_length=2,
        required=False,
        label=gettext_lazy("Other country's code"),
        widget=forms.TextInput(attrs={"dir": "ltr", "size": 3, "placeholder": "TR"}),
    )
    years_abroad = forms.IntegerField(
        min_value=0,
        max_value=100,
        required=False,
        label=gettext_lazy("Years abroad"),
        error_messages={
            "min_value": gettext_lazy("Years abroad is a number from 0 to 100."),
            "max_value": gettext_lazy("Years abroad is a number from 0 to 100."),
        },
    )
    documents_held = forms.MultipleChoiceField(
        choices=DocumentHeld.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Documents held"),
    )
    travelling = forms.ChoiceField(
        choices=Travelling.choices,
        label=gettext_lazy("Travelling"),
        initial=Travelling.FAMILY,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Say whether the person travels with family or alone.")},
    )
    vulnerabilities = forms.MultipleChoiceField(
        choices=Vulnerability.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Vulnerabilities"),
    )
    assistance = forms.MultipleChoiceField(
        choices=Assistance.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Assistance given"),
    )
    destination_province = provinces_field(label=gettext_lazy("Intended destination: province"))
    destination_district = districts_field(label=gettext_lazy("District"), empty_label=gettext_lazy("Not known yet"))
    household_code = forms.CharField(
        max_length=30,
        required=False,
        label=gettext_lazy("Already registered household (its code)"),
        help_text=gettext_lazy("Leave empty to register the family as a new household."),
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )

    def __init__(self, *args, provinces=None, **kwargs):
        super().__init__(*args, **kwargs)
        narrow_to_provinces(self.fields["crossing_point"], provinces)
        if not self.is_bound:
            points = list(self.fields["crossing_point"].queryset[:2])
            if len(points) == 1:  # the officer's only crossing point
                self.initial.setdefault("crossing_point", points[0])
            now = timezone.localtime()
            self.initial.setdefault("client_uuid", uuid.uuid4())
            self.initial.setdefault("crossed_on", now.date())
            self.initial.setdefault("crossed_time", now.strftime("%H:%M"))

    def clean(self):
        data = super().clean()
        country = (data.get("country") or data.get("country_other") or "").strip().upper()
        data["country_of_asylum"] = country
        if not country:
            self.add_error("country_other", gettext_lazy("Choose the country of asylum, or type its two-letter code."))
        if data.get("crossed_on") and data.get("crossed_time"):
            data["crossed_at"] = timezone.make_aware(
                datetime.datetime.combine(data["crossed_on"], data["crossed_time"])
            )
        return data


class ArrivalMemberForm(forms.Form):
    # An empty first choice everywhere: a blank extra row stays blank and is left out.
    relationship = forms.ChoiceField(
        choices=[("", "—"), *ArrivalMember.Relationship.choices], required=False, label=gettext_lazy("Relationship")
    )
    name = forms.CharField(max_length=150, required=False, label=gettext_lazy("Name"))
    father_name = forms.CharField(max_length=150, required=False, label=gettext_lazy("Father's name"))
    sex = forms.ChoiceField(choices=[("", "—"), *Sex.choices], required=False, label=gettext_lazy("Sex"))
    age_band = forms.ChoiceField(choices=[("", "—"), *AgeBand.choices], required=False, label=gettext_lazy("Age band"))
    date_of_birth = ShamsiDateField(required=False, label=gettext_lazy("Date of birth"))
    tazkira = forms.CharField(
        max_length=40,
        required=False,
        label=gettext_lazy("Tazkira number"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "ltr"}),
    )
    por = forms.CharField(
        max_length=40,
        required=False,
        label=gettext_lazy("PoR card number"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "ltr"}),
    )

    def member(self) -> dict | None:
        """The member for arrival_register, or None for a row left blank."""
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        if not data:
            return None
        if not data.get("relationship"):
            data.pop("relationship", None)  # the first member is the head unless one is marked
        return data


# Two rows (a family arrives with two members at least); "Add a member" adds more, up to 40.
ArrivalMemberFormSet = formset_factory(ArrivalMemberForm, extra=2, max_num=40, validate_max=True)


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("", gettext_lazy("— choose —")),
            ("attached", gettext_lazy("The same people")),
            ("new_household", gettext_lazy("Other people")),
        ],
        label=gettext_lazy("Decision"),
        error_messages={
            "required": gettext_lazy("Choose whether the arrival is the registered household's, or a new household.")
        },
    )


class FlowDayForm(forms.Form):
    """Which grid: one day at one crossing point, from one source."""

    crossing_point = crossing_point_field()
    day = ShamsiDateField(
        label=gettext_lazy("Day"), error_messages={"required": gettext_lazy("Write the day of the counts.")}
    )
    source = forms.ChoiceField(choices=FlowCount.Source.choices, label=gettext_lazy("Source"), initial="border_team")

    def __init__(self, *args, provinces=None, **kwargs):
        super().__init__(*args, **kwargs)
        narrow_to_provinces(self.fields["crossing_point"], provinces)
        self.fields["crossing_point"].empty_label = None

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day > timezone.localdate():
            raise forms.ValidationError(gettext_lazy("The day is in the future."), code="future_date")
        return day


def count_field() -> forms.IntegerField:
    return forms.IntegerField(
        min_value=0,
        max_value=1_000_000,
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric", "dir": "ltr", "class": "cell"}),
        error_messages={
            "min_value": gettext_lazy("A count cannot be negative."),
            "invalid": gettext_lazy("Write a whole number of people."),
            "max_value": gettext_lazy("A count is at most 1,000,000."),
        },
    )


class SiteForm(forms.Form):
    """An IDP site: a point (longitude, latitude) or its outline (GeoJSON or WKT), coded to a province and district."""

    code = forms.SlugField(
        max_length=40,
        label=gettext_lazy("Code"),
        help_text=gettext_lazy("Letters, digits and dashes, such as NAN-SITE-01."),
        error_messages={"invalid": gettext_lazy("A code is letters, digits, dashes and underscores, without spaces.")},
    )
    name = forms.CharField(max_length=150, label=gettext_lazy("Name"))
    name_prs = forms.CharField(
        max_length=150, required=False, label=gettext_lazy("Name in Dari"), widget=forms.TextInput(attrs={"dir": "rtl"})
    )
    name_ps = forms.CharField(
        max_length=150,
        required=False,
        label=gettext_lazy("Name in Pashto"),
        widget=forms.TextInput(attrs={"dir": "rtl"}),
    )
    kind = forms.ChoiceField(choices=IdpSite.Kind.choices, label=gettext_lazy("Kind of site"))
    province = provinces_field(label=gettext_lazy("Province"))
    district = districts_field(label=gettext_lazy("District"), empty_label=gettext_lazy("Not coded to a district"))
    longitude = forms.FloatField(
        required=False,
        min_value=-180,
        max_value=180,
        label=gettext_lazy("Longitude"),
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    latitude = forms.FloatField(
        required=False,
        min_value=-90,
        max_value=90,
        label=gettext_lazy("Latitude"),
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    outline = forms.CharField(
        required=False,
        max_length=200_000,
        label=gettext_lazy("Or its outline (GeoJSON or WKT, in WGS 84)"),
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
    )
    opened_on = ShamsiDateField(required=False, label=gettext_lazy("Opened on"))
    closed_on = ShamsiDateField(required=False, label=gettext_lazy("Closed on"))
    notes = forms.CharField(
        required=False, max_length=2000, label=gettext_lazy("Notes"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, provinces=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        narrow_to_provinces(self.fields["province"], provinces, attribute="")
        if editing:  # a site keeps its code and province
            del self.fields["code"], self.fields["province"]
        elif not self.is_bound and provinces is not None and len(provinces) == 1:
            self.initial.setdefault("province", next(iter(provinces)))

    def clean(self):
        from django.contrib.gis.geos import GEOSException, GEOSGeometry, Point

        data = super().clean()
        lon, lat, outline = data.get("longitude"), data.get("latitude"), (data.get("outline") or "").strip()
        if outline:
            try:
                geom = GEOSGeometry(outline)
            except (GEOSException, ValueError, TypeError):
                self.add_error(
                    "outline", gettext_lazy("This outline is neither GeoJSON nor WKT; paste a polygon or a point.")
                )
                return data
            if geom.geom_type not in ("Point", "Polygon", "MultiPolygon") or geom.empty or not geom.valid:
                self.add_error("outline", gettext_lazy("Give a point, or one valid polygon or multipolygon."))
                return data
            if geom.srid not in (None, 4326):
                self.add_error(
                    "outline", gettext_lazy("Give the outline in WGS 84 longitude and latitude (EPSG:4326).")
                )
                return data
            geom.srid = 4326
            data["geom"] = geom
        elif lon is not None and lat is not None:
            data["geom"] = Point(lon, lat, srid=4326)
        elif "longitude" not in self.errors and "latitude" not in self.errors:
            self.add_error("longitude", gettext_lazy("Place the site: its longitude and latitude, or its outline."))
        if data.get("opened_on") and data.get("closed_on") and data["closed_on"] < data["opened_on"]:
            self.add_error("closed_on", gettext_lazy("The site closes before it opened; check the dates."))
        return data


PEOPLE = {
    "min_value": 0,
    "initial": 0,
    "error_messages": {
        "min_value": gettext_lazy("A number of people, 0 or more."),
        "invalid": gettext_lazy("A whole number of people."),
        "required": gettext_lazy("A number of people, 0 or more."),
    },
}


class EstimateForm(forms.Form):
    round = forms.CharField(
        max_length=30, label=gettext_lazy("Assessment round"), help_text=gettext_lazy("Such as 2025-R3.")
    )
    assessed_on = ShamsiDateField(label=gettext_lazy("Assessed on"))
    method = forms.ChoiceField(choices=SitePopulationEstimate.Method.choices, label=gettext_lazy("Method"))
    arrival_idps = forms.IntegerField(label=gettext_lazy("Arrival IDPs"), **PEOPLE)
    returned_idps = forms.IntegerField(label=gettext_lazy("Returned IDPs"), **PEOPLE)
    returnees_from_abroad = forms.IntegerField(label=gettext_lazy("Returnees from abroad"), **PEOPLE)
    out_migrants = forms.IntegerField(label=gettext_lazy("Out-migrants (left the site)"), **PEOPLE)


# The day's grid: a row for each direction, category and way of travelling; a column for each sex and age band.
GRID_ROWS = [
    (direction, category, travelling)
    for direction in Direction.values
    for category in ArrivalCategory.values
    for travelling in Travelling.values
]
GRID_CELLS = [f"{sex}_{band}" for sex in Sex.values for band in AgeBand.values]


class FlowGridForm(forms.Form):
    """The counts of one day: for each row, the eight sex and age cells, or only a total when the team counted no
    split. A row left empty is no count (an earlier count of it is removed)."""

    method = forms.ChoiceField(choices=FlowCount.Method.choices, label=gettext_lazy("Method"), initial="headcount")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(len(GRID_ROWS)):
            for cell in (*GRID_CELLS, "total"):
                self.fields[f"r{i}_{cell}"] = count_field()

    def rows(self):
        """Each grid row: its key, its labels, its bound fields and their errors, for the template."""
        for i, (direction, category, travelling) in enumerate(GRID_ROWS):
            yield {
                "index": i,
                "direction": Direction(direction).label,
                "category": ArrivalCategory(category).label,
                "travelling": Travelling(travelling).label,
                "cells": [self[f"r{i}_{cell}"] for cell in GRID_CELLS],
                "total": self[f"r{i}_total"],
                "errors": [e for cell in (*GRID_CELLS, "total") for e in self.errors.get(f"r{i}_{cell}", [])],
            }

    def counts(self) -> tuple[list[dict], dict[int, list[str]]]:
        """The rows for flow_counts_replace, and the sentences of the rows whose split does not add up."""
        from movements.flows import split_problems

        rows, problems = [], {}
        for i, (direction, category, travelling) in enumerate(GRID_ROWS):
            cells = {cell: self.cleaned_data.get(f"r{i}_{cell}") for cell in GRID_CELLS}
            total = self.cleaned_data.get(f"r{i}_total")
            if total is None and all(v is None for v in cells.values()):
                continue
            row = {"direction": direction, "category": category, "travelling": travelling}
            row["method"] = self.cleaned_data["method"]
            if any(v is not None for v in cells.values()):
                cells = {cell: v or 0 for cell, v in cells.items()}
                row.update(cells)
                row["female"] = sum(v for cell, v in cells.items() if cell.startswith("f_"))
                row["male"] = sum(v for cell, v in cells.items() if cell.startswith("m_"))
                row["total"] = row["female"] + row["male"] if total is None else total
            else:
                row["total"] = total
            found = split_problems(row)
            if found:
                problems[i] = found
            rows.append(row)
        return rows, problems

    @staticmethod
    def initial_from(counts) -> dict:
        """The grid's values from the counts recorded before."""
        index = {key: i for i, key in enumerate(GRID_ROWS)}
        initial = {}
        for count in counts:
            i = index.get((count.direction, count.category, count.travelling))
            if i is None:
                continue
            initial["method"] = count.method
            if count.f_0_4 is None:
                initial[f"r{i}_total"] = count.total
            else:
                for cell in GRID_CELLS:
                    initial[f"r{i}_{cell}"] = getattr(count, cell)
        return initial


class FlowImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File of flow counts (CSV or XLSX)"),
        error_messages={
            "required": gettext_lazy("Choose a CSV or XLSX file."),
            "empty": gettext_lazy("The file is empty."),
        },
    )
