"""The forms of the officers' grievance pages. The records a grievance is about are chosen within the officer's
scope: a household by its code, a plot by township and number, an allocation or a shelter project from those the
officer may see. What is out of scope is refused on its field with a sentence, the same whether it exists or not."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grievances.models import Appeal, Grievance, LandDispute
from grievances.selectors import household_by_code, linkable_records
from landreg.i18n import choice_label
from townships.selectors import townships_visible_to

TEXT_MAX = 5000


def _blank(label):
    return [("", label)]


class GrievanceFilterForm(forms.Form):
    """The list's filters (GET): a value that is not one of the choices is refused on its field."""

    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = _blank(_("Any status")) + list(Grievance.Status.choices)
        self.fields["category"].choices = _blank(_("Any category")) + list(Grievance.Category.choices)


class AllocationChoice(forms.ModelChoiceField):
    def label_from_instance(self, a):
        return _("%(household)s · plot %(plot)s, %(township)s · %(status)s") % {
            "household": a.household.code,
            "plot": a.plot.number,
            "township": a.plot.township.local_name,
            "status": choice_label(type(a).Status, a.status),
        }


class ShelterProjectChoice(forms.ModelChoiceField):
    def label_from_instance(self, p):
        return _("%(household)s · plot %(plot)s · %(partner)s") % {
            "household": p.household.code,
            "plot": p.plot.number,
            "partner": p.implementing_partner,
        }


class GrievanceForm(forms.Form):
    """A new grievance, as an officer records it at the office, on the phone or from a complaint box."""

    channel = forms.ChoiceField(label=gettext_lazy("How it came in"), choices=Grievance.Channel.choices)
    category = forms.ChoiceField(label=gettext_lazy("Category"))
    sensitive = forms.BooleanField(
        label=gettext_lazy("Sensitive"),
        required=False,
        help_text=gettext_lazy(
            "Conduct of staff, sexual exploitation and abuse, and data protection are always sensitive: the "
            "description is sealed and only the grievance focal point reads it. Tick this to seal another one."
        ),
    )
    priority = forms.ChoiceField(label=gettext_lazy("Priority"), required=False)
    anonymous = forms.BooleanField(label=gettext_lazy("Made anonymously (no name is recorded)"), required=False)
    household = forms.CharField(
        label=gettext_lazy("Complainant household code"),
        required=False,
        max_length=30,
        help_text=gettext_lazy("If registered."),
    )
    township = forms.ModelChoiceField(label=gettext_lazy("Township of the plot"), queryset=None, required=False)
    plot_number = forms.CharField(label=gettext_lazy("Plot number"), required=False, max_length=20)
    allocation = AllocationChoice(
        label=gettext_lazy("Allocation it is about"),
        queryset=None,
        required=False,
        help_text=gettext_lazy("For an appeal: the allocation refused or revoked."),
    )
    shelter_project = ShelterProjectChoice(
        label=gettext_lazy("Shelter project it is about"), queryset=None, required=False
    )
    opportunity = forms.ModelChoiceField(
        label=gettext_lazy("Livelihood opportunity it is about"), queryset=None, required=False
    )
    description = forms.CharField(
        label=gettext_lazy("What the complainant says"), widget=forms.Textarea(attrs={"rows": 6}), max_length=TEXT_MAX
    )
    language = forms.ChoiceField(label=gettext_lazy("Complainant's language"), choices=Grievance.Language.choices)
    consent_to_share = forms.BooleanField(
        label=gettext_lazy("The complainant agrees that it is shared with a partner"), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["category"].choices = _blank(_("Choose the category")) + list(Grievance.Category.choices)
        self.fields["priority"].choices = _blank(_("As the category sets it")) + list(Grievance.Priority.choices)
        self.fields["township"].queryset = townships_visible_to(user).order_by("name")
        self.fields["township"].label_from_instance = lambda t: f"{t.local_name} ({t.code})"
        self.linkable = linkable_records(user)
        self.fields["allocation"].queryset = (
            self.linkable["allocation"].select_related("household", "plot__township").order_by("-proposed_at", "-pk")
        )
        self.fields["shelter_project"].queryset = (
            self.linkable["shelter_project"].select_related("household", "plot").order_by("-created_at", "-pk")
        )
        self.fields["opportunity"].queryset = self.linkable["opportunity"].order_by("-start_on", "-pk")
        self.fields["opportunity"].label_from_instance = lambda o: f"{o.title} · {o.provider.name}"

    def clean_household(self):
        code = self.cleaned_data["household"].strip()
        if not code:
            return None
        household = household_by_code(self.user, code)
        if household is None:
            raise forms.ValidationError(
                _("No household with the code %(code)s is in your provinces; check the code.") % {"code": code}
            )
        return household

    def clean(self):
        data = super().clean()
        if data.get("category") == "appeal" and not data.get("allocation"):
            self.add_error("allocation", _("Choose the allocation whose refusal or revocation is appealed."))
        if data.get("category") == "land_dispute" and not (data.get("township") and data.get("plot_number")):
            self.add_error("plot_number", _("A land dispute is over a plot: choose its township and give its number."))
        township, number = data.get("township"), (data.get("plot_number") or "").strip()
        data["plot"] = None
        if number and township is None:
            self.add_error("township", _("Choose the township of plot %(number)s.") % {"number": number})
        elif township is not None and number:
            plot = self.linkable["plot"].filter(township=township, number__iexact=number).first()
            if plot is None:
                self.add_error(
                    "plot_number",
                    _("Township %(township)s has no plot %(number)s.")
                    % {"township": township.local_name, "number": number},
                )
            data["plot"] = plot
        return data

    @property
    def is_appeal(self) -> bool:
        return self.cleaned_data.get("category") == "appeal"

    def appeal_arguments(self) -> dict:
        """What appeal_lodge takes: the allocation appealed, the words, how it came in, the language."""
        data = self.cleaned_data
        return {
            "allocation": data["allocation"],
            "description": data["description"],
            "channel": data["channel"],
            "language": data["language"],
        }

    @property
    def is_dispute(self) -> bool:
        return self.cleaned_data.get("category") == "land_dispute"

    def dispute_arguments(self) -> dict:
        """What dispute_open takes (the claimed outline is drawn on the map's plot panel, not here)."""
        data = self.cleaned_data
        return {
            "plot": data["plot"],
            "description": data["description"],
            "channel": data["channel"],
            "household": data["household"],
            "language": data["language"],
        }

    def service_arguments(self) -> dict:
        """What grievance_receive takes, from the cleaned form."""
        data = self.cleaned_data
        values = {
            "channel": data["channel"],
            "category": data["category"],
            "description": data["description"],
            "anonymous": data["anonymous"],
            "language": data["language"],
            "consent_to_share": data["consent_to_share"],
            "sensitive": True if data["sensitive"] else None,
            "household": data["household"],
            "plot": data["plot"],
            "allocation": data["allocation"],
            "shelter_project": data["shelter_project"],
            "opportunity": data["opportunity"],
        }
        if data.get("priority"):
            values["priority"] = data["priority"]
        return values


class NoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReferForm(NoteForm):
    referred_to = forms.CharField(
        label=gettext_lazy("Referred to"),
        max_length=200,
        help_text=gettext_lazy("The partner, the court or the police, by name."),
    )


class ResolveForm(NoteForm):
    note = forms.CharField(
        label=gettext_lazy("The outcome"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class AssignForm(forms.Form):
    to = forms.ModelChoiceField(label=gettext_lazy("New owner"), queryset=None)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = owners
        self.fields["to"].label_from_instance = lambda u: u.get_full_name() or u.username


class DisputeDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), choices=LandDispute.Decision.choices)
    note = forms.CharField(
        label=gettext_lazy("Why, and what was agreed"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), choices=Appeal.Decision.choices)
    note = forms.CharField(label=gettext_lazy("Why"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))
