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
    sex = forms.ChoiceField(choices=[("", "—"), *Person.Sex.choices], label=_("Sex"))
    date_of_birth = ShamsiDateField(required=False, label=_("Date of birth"))
    tazkira = forms.CharField(
        max_length=40, required=False, label=_("Tazkira number"), widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    por = forms.CharField(
        max_length=40, required=False, label=_("PoR card number"), widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


MemberFormSet = formset_factory(PersonForm, extra=3, max_num=20)


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(choices=Document.Kind.choices, label=_("Kind"))
    file = forms.FileField(label=_("Scan (PDF, JPEG or PNG)"))
    number = forms.CharField(max_length=40, required=False, label=_("Document number"))
    issued_on = ShamsiDateField(required=False, label=_("Issued on"))


class DuplicateDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=DuplicateFlag.Decision.choices[1:], label=_("Decision"))
    note = forms.CharField(max_length=500, required=False, label=_("Why"))
