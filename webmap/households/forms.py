"""Forms of the officers' pages. They only collect input; the services decide."""

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from households.models import VULNERABILITY_FLAG_LABELS, Category, Document, DuplicateFlag, Household, Person
from landreg.calendar import ShamsiDateField
from landreg.i18n import local_name
from parcels.models import AdminArea


class ProvinceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{local_name(obj)} ({obj.pcode})"


def with_vulnerability_flags(before: str):
    """Adds a tick box for each vulnerability flag (households.models, the one list), placed before `before`."""

    def add(form_class):
        fields = {}
        for name, field in form_class.base_fields.items():
            if name == before:
                for flag, label in VULNERABILITY_FLAG_LABELS.items():
                    fields[flag] = forms.BooleanField(required=False, label=label)
            fields[name] = field
        form_class.base_fields = form_class.declared_fields = fields  # subclasses inherit declared_fields
        return form_class

    return add


@with_vulnerability_flags(before="landless_declared")
class HouseholdForm(forms.Form):
    province = ProvinceField(AdminArea.objects.filter(level="province"), label=_("Province"))
    size = forms.IntegerField(min_value=1, max_value=60, label=_("Household size"))
    category = forms.ChoiceField(choices=Category.choices, label=_("Category"))
    country_returned_from = forms.ChoiceField(
        choices=[("", "—"), ("IR", _("Iran")), ("PK", _("Pakistan")), ("TR", _("Türkiye")), ("OT", _("Other"))],
        required=False,
        label=_("Returned from"),
    )
    return_date = ShamsiDateField(required=False, label=_("Return date"))
    return_type = forms.ChoiceField(
        choices=[("", "—"), *Household.ReturnType.choices], required=False, label=_("Return type")
    )
    crossing_point = forms.ChoiceField(
        choices=[("", "—"), *Household.CrossingPoint.choices], required=False, label=_("Crossing point")
    )
    landless_declared = forms.BooleanField(required=False, label=_("Landlessness declared"))
    prior_beneficiary = forms.BooleanField(required=False, label=_("Benefited under an earlier scheme"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from landreg.scope import province_ids_in_scope

        provinces = province_ids_in_scope(user) if user else None
        if provinces is not None:
            self.fields["province"].queryset = AdminArea.objects.filter(pk__in=provinces)


class HouseholdEditForm(HouseholdForm):
    """The household's own facts, editable after registration (its province and members stay)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["province"]


class PersonForm(forms.Form):
    # An empty first choice, so that the blank extra rows of the members' form stay blank.
    relationship = forms.ChoiceField(choices=[("", "—"), *Person.Relationship.choices], label=_("Relationship"))
    name = forms.CharField(max_length=150, label=_("Name"))
    father_name = forms.CharField(max_length=150, required=False, label=_("Father's name"))
    name_local = forms.CharField(
        max_length=150,
        required=False,
        label=_("Name in Dari or Pashto script"),
        widget=forms.TextInput(attrs={"dir": "rtl", "lang": "fa"}),
    )
    father_name_local = forms.CharField(
        max_length=150,
        required=False,
        label=_("Father's name in Dari or Pashto script"),
        widget=forms.TextInput(attrs={"dir": "rtl", "lang": "fa"}),
    )
    sex = forms.ChoiceField(choices=[("", "—"), *Person.Sex.choices], label=_("Sex"))
    date_of_birth = ShamsiDateField(
        required=False, label=_("Date of birth"), help_text=_("Only the age known: 1 Hamal of the year of birth.")
    )
    phone = forms.CharField(
        max_length=20,
        required=False,
        label=_("Phone"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "dir": "ltr", "autocomplete": "off"}),
    )
    tazkira = forms.CharField(
        max_length=40,
        required=False,
        label=_("Tazkira number"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "ltr"}),
    )
    por = forms.CharField(
        max_length=40,
        required=False,
        label=_("PoR card number"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "ltr"}),
    )


# One empty member row; "Add a member" (webmap/static/webmap/households/members.js) adds more, up to 20.
MemberFormSet = formset_factory(PersonForm, extra=1, max_num=20, validate_max=True)


class PersonEditForm(PersonForm):
    """A registered member's facts. An ID number typed replaces the recorded one; left empty, it stays."""

    def __init__(self, *args, person=None, **kwargs):
        if person is not None and "initial" not in kwargs:
            kwargs["initial"] = {f: getattr(person, f) for f in self.base_fields if f not in ("tazkira", "por")}
        super().__init__(*args, **kwargs)
        for name, last4 in (
            ("tazkira", getattr(person, "tazkira_last4", "")),
            ("por", getattr(person, "por_last4", "")),
        ):
            if last4:
                self.fields[name].help_text = _("Recorded, ending …%(last4)s. Type a number only to replace it.") % {
                    "last4": last4
                }


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_relationship_display()})"


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(choices=Document.Kind.choices, label=_("Kind"))
    # The view narrows the choice to the household's members.
    person = MemberChoiceField(
        Person.objects.none(), required=False, label=_("Whose document"), empty_label=_("The head of household")
    )
    file = forms.FileField(label=_("Scan (PDF, JPEG or PNG)"))
    number = forms.CharField(
        max_length=40,
        required=False,
        label=_("Document number"),
        help_text=_("A tazkira's number is recorded for its person when none was, and eligibility is assessed again."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "ltr"}),
    )
    issued_on = ShamsiDateField(required=False, label=_("Issued on"))


class DuplicateDecisionForm(forms.Form):
    # Nothing is chosen until the officer chooses: a decision is never a default.
    decision = forms.ChoiceField(
        choices=[("", _("— choose —")), *DuplicateFlag.Decision.choices[1:]],
        label=_("Decision"),
        error_messages={"required": _("Choose whether these are the same household or different households.")},
    )
    note = forms.CharField(max_length=500, required=False, label=_("Why"))


class HouseholdSearchForm(forms.Form):
    q = forms.CharField(max_length=150, required=False, label=_("Code or name"))
    father = forms.CharField(max_length=150, required=False, label=_("Father's name"))
    phone = forms.CharField(
        max_length=30,
        required=False,
        label=_("Phone"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "dir": "ltr"}),
    )
    tazkira = forms.CharField(
        max_length=40,
        required=False,
        label=_("Tazkira number"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "ltr"}),
    )
