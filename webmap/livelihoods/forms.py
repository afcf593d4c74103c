"""The livelihoods pages' forms: they read what a person typed into the services' arguments and say what to fix.
The rules themselves are the services' (livelihoods/services.py) and the database's."""

from django import forms
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from households.models import VULNERABILITY_FLAG_LABELS, Category
from landreg.calendar import ShamsiDateField
from livelihoods.models import (
    EducationLevel,
    Literacy,
    Occupation,
    Opportunity,
    Referral,
    SkillsProfile,
    Workplace,
)
from livelihoods.services import location_from_geojson
from parcels.models import AdminArea
from townships.models import Township

# How many occupation rows the profile form offers (a person with more adds them after saving).
OCCUPATION_ROWS = 4


class ProvinceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        from landreg.i18n import local_name

        return local_name(obj)


class OpportunityFilterForm(forms.Form):
    kind = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Kind of opportunity"),
        choices=[("", gettext_lazy("All kinds"))] + Opportunity.Kind.choices,
    )
    province = ProvinceChoice(
        required=False,
        label=gettext_lazy("Province"),
        queryset=AdminArea.objects.none(),
        empty_label=gettext_lazy("All your provinces"),
        error_messages={"invalid_choice": gettext_lazy("Choose one of your provinces.")},
    )
    open_now = forms.BooleanField(required=False, label=gettext_lazy("Open now"))

    def __init__(self, *args, provinces=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = provinces if provinces is not None else AdminArea.objects.none()


class OpportunityForm(forms.Form):
    """A new opportunity: what, where, who may take it, how many places, when, and what it pays. The location is a
    point (longitude and latitude in degrees, or clicked on the small map) or an area drawn on the map (GeoJSON in
    a hidden field, read by livelihoods.services.location_from_geojson, as the API's)."""

    provider = forms.ChoiceField(label=gettext_lazy("Provider"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind of opportunity"), choices=Opportunity.Kind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    province = ProvinceChoice(
        label=gettext_lazy("Province"),
        queryset=AdminArea.objects.none(),
        error_messages={
            "invalid_choice": gettext_lazy("Choose one of the provinces offered: you may post only there.")
        },
    )
    township = forms.ModelChoiceField(
        label=gettext_lazy("Only for households of the township"),
        required=False,
        queryset=Township.objects.none(),
        empty_label=gettext_lazy("Any township of the province"),
    )
    location = forms.ChoiceField(
        label=gettext_lazy("Its place on the map"),
        choices=[("point", gettext_lazy("A point")), ("area", gettext_lazy("An area drawn on the map"))],
        initial="point",
        required=False,  # a form without the choice (a script's) gives a point
        widget=forms.RadioSelect,
    )
    lon = forms.FloatField(label=gettext_lazy("Longitude (degrees east)"), min_value=60, max_value=75.5, required=False)
    lat = forms.FloatField(label=gettext_lazy("Latitude (degrees north)"), min_value=29, max_value=39, required=False)
    # The area drawn on the map, as GeoJSON in longitude and latitude (the map's script fills it in).
    # Its length is bounded by the service, with a sentence that says what to do.
    area = forms.CharField(required=False, widget=forms.HiddenInput, strip=False)
    places_offered = forms.IntegerField(label=gettext_lazy("Places offered"), min_value=1, max_value=100000)
    start_on = ShamsiDateField(label=gettext_lazy("Starts on"))
    end_on = ShamsiDateField(label=gettext_lazy("Ends on"), required=False)
    isco_codes = forms.CharField(
        label=gettext_lazy("Occupations wanted (ISCO-08 codes, separated by commas)"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Empty: open to any skill. Search the list by a word in English, Dari or Pashto."),
    )
    sex = forms.ChoiceField(label=gettext_lazy("Who may take it"), choices=Opportunity.Sex.choices)
    age_min = forms.IntegerField(label=gettext_lazy("Youngest age"), min_value=15, max_value=99, initial=15)
    age_max = forms.IntegerField(label=gettext_lazy("Oldest age"), min_value=15, max_value=120, initial=64)
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("Household categories (none chosen: all)"),
        required=False,
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    vulnerability_priorities = forms.MultipleChoiceField(
        label=gettext_lazy("Vulnerabilities given priority"),
        required=False,
        choices=list(VULNERABILITY_FLAG_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    vulnerable_only = forms.BooleanField(label=gettext_lazy("Only for vulnerable households"), required=False)
    workplace = forms.ChoiceField(label=gettext_lazy("Workplace"), choices=Workplace.choices, initial=Workplace.MIXED)
    stipend_monthly = forms.DecimalField(
        label=gettext_lazy("Monthly stipend (AFN)"), required=False, min_value=0, max_digits=10, decimal_places=2
    )
    daily_wage = forms.DecimalField(
        label=gettext_lazy("Daily wage (AFN, cash for work)"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
    )
    days_offered = forms.IntegerField(
        label=gettext_lazy("Days of work offered (cash for work)"), required=False, min_value=1, max_value=366
    )

    def __init__(self, *args, providers, provinces, townships, **kwargs):
        super().__init__(*args, **kwargs)
        if providers is None:  # a partner posts as its agreement's provider
            del self.fields["provider"]
        else:
            self.fields["provider"].choices = providers
        self.fields["province"].queryset = provinces
        self.fields["township"].queryset = townships

    def clean_isco_codes(self):
        text = self.cleaned_data["isco_codes"].replace("،", ",")
        return [code.strip() for code in text.split(",") if code.strip()]

    def clean(self):
        data = super().clean()
        data["location"] = data.get("location") or "point"
        if data["location"] == "area":
            if not data.get("area"):
                self.add_error(
                    "area",
                    gettext_lazy(
                        "Draw the area on the map: click each corner, then the first corner again to close it."
                    ),
                )
            else:
                try:
                    data["area"] = location_from_geojson(data["area"], "area", ("Polygon", "MultiPolygon"))
                except ValidationError as error:
                    self.add_error("area", error.message_dict["area"])
        else:
            for name in ("lon", "lat"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(
                        name, gettext_lazy("Click the place on the map, or type its longitude and latitude.")
                    )
        return data

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        lon, lat, area = data.pop("lon"), data.pop("lat"), data.pop("area")
        if data.pop("location") == "area":
            data["area"] = area
        else:
            data["point"] = Point(lon, lat, srid=4326)
        data.pop("provider", None)
        return data


class OpportunityEditForm(forms.Form):
    """What may change once posted (livelihoods.services.UPDATABLE); eligibility, place and kind are a new
    opportunity."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    end_on = ShamsiDateField(label=gettext_lazy("Ends on"), required=False)
    places_offered = forms.IntegerField(label=gettext_lazy("Places offered"), min_value=1, max_value=100000)
    stipend_monthly = forms.DecimalField(
        label=gettext_lazy("Monthly stipend (AFN)"), required=False, min_value=0, max_digits=10, decimal_places=2
    )
    daily_wage = forms.DecimalField(
        label=gettext_lazy("Daily wage (AFN, cash for work)"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
    )
    days_offered = forms.IntegerField(
        label=gettext_lazy("Days of work offered (cash for work)"), required=False, min_value=1, max_value=366
    )

    FIELDS = ("title", "description", "end_on", "places_offered", "stipend_monthly", "daily_wage", "days_offered")


class ReferralStepForm(forms.Form):
    """The next step of one referral: to which state, on which day, and why (required to end it)."""

    to_status = forms.ChoiceField(label=gettext_lazy("Next step"), choices=Referral.Status.choices)
    day = ShamsiDateField(label=gettext_lazy("On"), required=False, help_text=gettext_lazy("Empty: today."))
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(),
        help_text=gettext_lazy("Required to refuse or record a drop-out."),
    )

    def __init__(self, *args, allowed=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [(c, lbl) for c, lbl in Referral.Status.choices if c in allowed]


class SkillsProfileForm(forms.Form):
    education = forms.ChoiceField(label=gettext_lazy("Education"), choices=EducationLevel.choices)
    literacy_dari = forms.ChoiceField(label=gettext_lazy("Reads Dari"), choices=Literacy.choices)
    literacy_pashto = forms.ChoiceField(label=gettext_lazy("Reads Pashto"), choices=Literacy.choices)
    literacy_english = forms.ChoiceField(label=gettext_lazy("Reads English"), choices=Literacy.choices)
    languages = forms.CharField(
        label=gettext_lazy("Languages spoken (codes: prs, ps, uz, tk, ur, fa, en…)"), required=False, max_length=100
    )
    certificates = forms.CharField(
        label=gettext_lazy("Certificates (one a line, as written on them)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    can_work_outside_home = forms.BooleanField(label=gettext_lazy("Can work outside the home"), required=False)
    workplace_accepted = forms.ChoiceField(
        label=gettext_lazy("Workplace accepted"), choices=SkillsProfile.WorkplaceAccepted.choices
    )
    care_duties = forms.BooleanField(label=gettext_lazy("Has care duties"), required=False)
    disability = forms.BooleanField(label=gettext_lazy("Has a disability"), required=False)
    max_travel_km = forms.DecimalField(
        label=gettext_lazy("Furthest travel to work (km)"),
        required=False,
        min_value=0,
        max_value=1000,
        max_digits=5,
        decimal_places=1,
        help_text=gettext_lazy("Empty: the programme's default."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(OCCUPATION_ROWS):
            self.fields[f"isco_{i}"] = forms.CharField(
                label=gettext_lazy("Occupation (ISCO-08)"),
                required=False,
                max_length=4,
                widget=forms.TextInput(attrs={"data-isco-search": "", "inputmode": "numeric", "size": 6}),
            )
            self.fields[f"years_{i}"] = forms.DecimalField(
                label=gettext_lazy("Years"), required=False, min_value=0, max_value=80, max_digits=4, decimal_places=1
            )
            self.fields[f"learnt_in_{i}"] = forms.ChoiceField(
                label=gettext_lazy("Learnt in"),
                required=False,
                choices=[("", "—")] + Occupation.LearntIn.choices,
            )

    def occupation_rows(self):
        return [(self[f"isco_{i}"], self[f"years_{i}"], self[f"learnt_in_{i}"]) for i in range(OCCUPATION_ROWS)]

    def clean(self):
        data = super().clean()
        for i in range(OCCUPATION_ROWS):
            if data.get(f"isco_{i}") and not data.get(f"learnt_in_{i}"):
                self.add_error(f"learnt_in_{i}", gettext_lazy("Say where this occupation was learnt."))
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        occupations = [
            {"isco": data[f"isco_{i}"].strip(), "years": data[f"years_{i}"] or 0, "learnt_in": data[f"learnt_in_{i}"]}
            for i in range(OCCUPATION_ROWS)
            if data.get(f"isco_{i}", "").strip()
        ]
        return {
            "education": data["education"],
            "literacy_dari": data["literacy_dari"],
            "literacy_pashto": data["literacy_pashto"],
            "literacy_english": data["literacy_english"],
            "languages": [c.strip() for c in data["languages"].replace("،", ",").split(",") if c.strip()],
            "certificates": [line.strip() for line in data["certificates"].splitlines() if line.strip()],
            "can_work_outside_home": data["can_work_outside_home"],
            "workplace_accepted": data["workplace_accepted"],
            "care_duties": data["care_duties"],
            "disability": data["disability"],
            "max_travel_km": data["max_travel_km"],
            "occupations": occupations,
        }

    @classmethod
    def initial_of(cls, profile: SkillsProfile | None) -> dict:
        if profile is None:
            return {"can_work_outside_home": True}
        initial = {
            "education": profile.education,
            "literacy_dari": profile.literacy_dari,
            "literacy_pashto": profile.literacy_pashto,
            "literacy_english": profile.literacy_english,
            "languages": ", ".join(profile.languages),
            "certificates": "\n".join(profile.certificates),
            "can_work_outside_home": profile.can_work_outside_home,
            "workplace_accepted": profile.workplace_accepted,
            "care_duties": profile.care_duties,
            "disability": profile.disability,
            "max_travel_km": profile.max_travel_km,
        }
        for i, occupation in enumerate(list(profile.occupations.all())[:OCCUPATION_ROWS]):
            initial.update(
                {
                    f"isco_{i}": occupation.isco_id,
                    f"years_{i}": occupation.years,
                    f"learnt_in_{i}": occupation.learnt_in,
                }
            )
        return initial


class AttendanceForm(forms.Form):
    referral = forms.TypedChoiceField(label=gettext_lazy("Person"), coerce=int)
    week_start = ShamsiDateField(
        label=gettext_lazy("Week starting (a Saturday)"), help_text=gettext_lazy("The Saturday the week starts on.")
    )
    days_worked = forms.IntegerField(label=gettext_lazy("Days worked"), min_value=0, max_value=6)

    def __init__(self, *args, referrals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referral"].choices = referrals


class PayForm(forms.Form):
    reference = forms.CharField(label=gettext_lazy("Payment reference"), max_length=60)
    paid_on = ShamsiDateField(label=gettext_lazy("Paid on"), required=False, help_text=gettext_lazy("Empty: today."))


class SurveyRoundForm(forms.Form):
    """Every question of the current scoring version, each a choice on its scale."""

    conducted_on = ShamsiDateField(label=gettext_lazy("Conducted on"), required=False)

    def __init__(self, *args, questions=(), **kwargs):
        from django.utils.translation import gettext

        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            self.fields[f"q_{q['code']}"] = forms.TypedChoiceField(
                label=gettext(q["label"]),
                coerce=int,
                choices=[("", "—")] + [(value, gettext(text)) for value, text in q["choices"]],
                error_messages={
                    "invalid_choice": gettext_lazy("Choose one of the answers offered for this question."),
                    "required": gettext_lazy("Answer this question."),
                },
            )

    def answers(self) -> dict:
        return {q["code"]: self.cleaned_data[f"q_{q['code']}"] for q in self.questions}
