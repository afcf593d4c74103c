"""Forms of the layout import pages."""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from townships import layouts
from townships.models import Plot


def _srid_choices():
    common = [(str(code), f"EPSG:{code} {name}") for code, name in layouts.COMMON_SRIDS]
    return [("", _("As the file declares"))] + common


class LayoutUploadForm(forms.Form):
    township = forms.ModelChoiceField(queryset=None, label=_("Township"))
    file = forms.FileField(
        label=_("Layout file"),
        help_text=_("GeoPackage (.gpkg), zipped Shapefile (.zip), GeoJSON, KML or DXF."),
        widget=forms.ClearableFileInput(attrs={"accept": layouts.ACCEPT}),
    )
    source = forms.CharField(
        label=_("Source (surveyor, office or partner)"),
        max_length=150,
        required=False,
        help_text=_("The attribute mapping is remembered under this name, so the next file imports in one step."),
    )
    srid = forms.TypedChoiceField(
        label=_("Coordinate reference system"),
        choices=_srid_choices,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Only for a file that declares none (a DXF, a Shapefile without .prj)."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = layouts.townships_for_import(user).order_by("name")


def _uses_help() -> str:
    # In the reader's language: `gettext_lazy(...) % {...}` is translated once, when the module is imported.
    return gettext("One per line, e.g. RES=residential. Uses: %(uses)s.") % {"uses": ", ".join(Plot.Use.values)}


class LayoutMappingForm(forms.Form):
    number_field = forms.ChoiceField(label=_("Plot number"), help_text=_("DXF: Text (the number labels)."))
    block_field = forms.ChoiceField(label=_("Block code"), required=False, help_text=_("DXF: Layer."))
    use_field = forms.ChoiceField(label=_("Use"), required=False)
    use_values = forms.CharField(
        label=_("The file's spellings of uses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=lazy(_uses_help, str)(),
    )
    srid = LayoutUploadForm.base_fields["srid"]
    # The attribute whose values were offered below the use field (a hidden field): when the person picks
    # another use attribute, the page offers that attribute's values before checking.
    values_of = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, fields=(), values=(), known_uses=None, **kwargs):
        """values: the distinct values of the chosen use attribute in the file, offered one by one, each with
        its use (from the source's spellings, `known_uses`, or the use's own code or name) already chosen."""
        super().__init__(*args, **kwargs)
        choices = [(f, f) for f in fields]
        self.fields["number_field"].choices = choices
        self.fields["block_field"].choices = [("", "—")] + choices
        self.fields["use_field"].choices = [("", "—")] + choices
        self.values = list(values)
        use_choices = [("", _("— not a use (such plots are rejected)"))] + list(Plot.Use.choices)
        offered = {}
        for i, value in enumerate(self.values):
            offered[f"use_for_{i}"] = forms.ChoiceField(
                label=_("“%(value)s” in the file is") % {"value": value},
                choices=use_choices,
                required=False,
                initial=layouts.use_of(value, known_uses) or "",
            )
        if offered:  # right after the use attribute, before the free spellings
            self.fields["use_values"].label = _("Other spellings of uses")
            order = list(self.fields)
            at = order.index("use_field") + 1
            merged = {**self.fields, **offered}
            self.fields = {name: merged[name] for name in order[:at] + list(offered) + order[at:]}

    def clean_use_values(self):
        values = {}
        for line in self.cleaned_data["use_values"].splitlines():
            if not line.strip():
                continue
            spelling, _sep, use = line.partition("=")
            if use.strip() not in Plot.Use.values:
                raise forms.ValidationError(
                    _("“%(line)s”: write the file's spelling, =, and one of %(uses)s.")
                    % {"line": line.strip(), "uses": ", ".join(Plot.Use.values)}
                )
            values[spelling.strip()] = use.strip()
        for i, value in enumerate(self.values):  # cleaned before this field: they come first
            chosen = self.cleaned_data.get(f"use_for_{i}")
            if chosen:
                values[value] = chosen
        return values

    @staticmethod
    def use_values_text(values: dict) -> str:
        return "\n".join(f"{k}={v}" for k, v in (values or {}).items())


def mapping_initial(source) -> dict:
    if source is None:
        return {}
    return {
        "number_field": source.number_field,
        "block_field": source.block_field,
        "use_field": source.use_field,
        "use_values": LayoutMappingForm.use_values_text(source.use_values),
        "srid": source.stated_srid,
    }
