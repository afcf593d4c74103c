"""Site viability pages: the report of a township or a land parcel (and its PDF in the three languages), and the
planning rasters with their upload form (administrators). The work is in planning.selectors and planning.rasters."""

import json
import tempfile
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from landreg.roles import ADMINISTRATOR, has_role
from planning import rasters, report_pdf, selectors
from planning.models import RasterLayer

PDF_LANGUAGES = ("en", "fa", "ps")


def _site(user, kind: str, pk: int):
    if kind == "township":
        township = get_object_or_404(selectors.townships_for_viability(user), pk=pk)
        return township, township.geom, township.pk
    parcel = get_object_or_404(selectors.parcels_for_viability(user), pk=pk)
    return parcel, parcel.geom, None


def _report(user, kind: str, site):
    if kind == "township":
        return selectors.township_viability(user, township=site)
    return selectors.parcel_viability(user, parcel=site)


@login_required
def site_report(request, kind: str, pk: int):
    """The report as a page, with links to its PDF in English, Dari and Pashto."""
    site, geom, township_id = _site(request.user, kind, pk)
    report = _report(request.user, kind, site)
    language = translation.get_language() or "en"
    context = report_pdf.report_context(report, geom=geom, township_id=township_id, language=language[:2])
    context.update({"site": site, "kind": kind, "pdf_languages": PDF_LANGUAGES})
    return render(request, "webmap/planning/site_report.html", context)


@login_required
def site_report_pdf(request, kind: str, pk: int, language: str):
    if language not in PDF_LANGUAGES:
        raise Http404
    site, geom, township_id = _site(request.user, kind, pk)
    with translation.override(language):
        report = _report(request.user, kind, site)
        pdf = report_pdf.report_pdf(report, geom=geom, township_id=township_id, language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="viability-{kind}-{pk}-{language}.pdf"'
    return response


class RasterUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("GeoTIFF"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=RasterLayer.Kind.choices)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=150)
    source = forms.CharField(label=gettext_lazy("Source"), max_length=200)
    licence = forms.CharField(label=gettext_lazy("Licence"), max_length=200)
    crs = forms.CharField(
        label=gettext_lazy("CRS, when the file declares none"),
        required=False,
        max_length=50,
        help_text=gettext_lazy("For example EPSG:32642."),
    )
    flood_classes = forms.CharField(
        label=gettext_lazy("Flood classes (flood rasters)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
        help_text=gettext_lazy('For example [{"value": 3, "label": "Over 1 m", "hazard": "high"}].'),
    )

    def clean_flood_classes(self):
        text = self.cleaned_data["flood_classes"].strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            raise forms.ValidationError(
                _('Write the flood classes as JSON, for example [{"value": 3, "label": "Over 1 m", "hazard": "high"}].')
            ) from None


def _require_administrator(user):
    if not has_role(user, ADMINISTRATOR):
        raise PermissionDenied(_("Only an administrator may upload planning rasters."))


@login_required
def raster_list(request):
    """The planning rasters the user may see; an administrator uploads one here."""
    layers = selectors.rasters_visible_to(request.user)
    form, error = None, None
    if has_role(request.user, ADMINISTRATOR):
        form = RasterUploadForm(request.POST or None, request.FILES or None)
    elif request.method == "POST":
        _require_administrator(request.user)
    if request.method == "POST" and form is not None and form.is_valid():
        values = form.cleaned_data
        with tempfile.TemporaryDirectory() as work:
            path = Path(work) / "upload.tif"
            with path.open("wb") as out:
                for chunk in values["file"].chunks():
                    out.write(chunk)
            try:
                layer = rasters.raster_import(
                    source_path=path,
                    kind=values["kind"],
                    name=values["name"],
                    source=values["source"],
                    licence=values["licence"],
                    by=request.user,
                    crs=values["crs"],
                    flood_classes=values["flood_classes"],
                )
            except rasters.RasterError as exc:
                error = str(exc)
            else:
                messages.success(request, _("The raster “%(name)s” is stored.") % {"name": layer.name})
                return redirect("planning-rasters")
    return render(
        request,
        "webmap/planning/site_rasters.html",
        {"layers": layers, "form": form, "error": error},
        status=400 if error else 200,
    )
