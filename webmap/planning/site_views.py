"""Site viability pages: the report of a township or a land parcel (and its PDF in the three languages), the
planning rasters with their upload form (administrators), and the water points, roads and services the user's
provinces hold with their upload form (GIS specialists and administrators). The work is in planning.selectors,
planning.rasters and planning.services."""

import json
import tempfile
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from landreg.roles import ADMINISTRATOR, GIS_SPECIALIST, has_role
from landreg.scope import filter_by_scope, province_ids_in_scope
from landreg.uploads import UploadLimit, max_upload_mib, over_limit_sentence, safe_upload_name
from parcels.models import AdminArea
from planning import rasters, report_pdf, selectors, services
from planning.models import RasterLayer
from townships.layouts import COMMON_SRIDS, content_length_too_large

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


@csrf_exempt  # the size is checked before the CSRF check reads the body; the inner view is CSRF-protected
def raster_list(request):
    """The planning rasters the user may see; an administrator uploads one here (POST)."""
    if request.method == "POST":
        if content_length_too_large(request) and request.user.is_authenticated:
            _require_administrator(request.user)
            return _rasters_page(request, error=rasters.over_limit_sentence(), status=413)
        request.upload_handlers.insert(0, UploadLimit(request))
    return _raster_list(request)


@csrf_protect
@login_required
def _raster_list(request):
    if getattr(request, "layout_upload_too_large", False):
        _require_administrator(request.user)
        return _rasters_page(request, error=rasters.over_limit_sentence(), status=413)
    layers = selectors.rasters_visible_to(request.user)
    form, error = None, None
    if has_role(request.user, ADMINISTRATOR):
        form = RasterUploadForm(request.POST or None, request.FILES or None)
    elif request.method == "POST":
        _require_administrator(request.user)
    if request.method == "POST" and form is not None and form.is_valid():
        values = form.cleaned_data
        try:
            layer = rasters.raster_upload_import(
                upload=values["file"],
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
    return _rasters_page(request, layers=layers, form=form, error=error, status=400 if error else 200)


def _rasters_page(request, *, layers=None, form=None, error=None, access_form=None, access_error=None, status=200):
    """The rasters page: the rasters and their form, then the access layers and theirs, each with its error."""
    user = request.user
    if layers is None:
        layers = selectors.rasters_visible_to(user)
    if form is None and has_role(user, ADMINISTRATOR):
        form = RasterUploadForm()
    may_import = has_role(user, *ACCESS_IMPORT_ROLES)
    if access_form is None and may_import:
        access_form = AccessUploadForm(user=user)
    report = request.session.pop(_ACCESS_REPORT_KEY, None) if request.method == "GET" else None
    if report:
        report["province"] = AdminArea.objects.filter(pk=report["province_id"]).first()
    return render(
        request,
        "webmap/planning/site_rasters.html",
        {
            "layers": layers,
            "form": form,
            "error": error,
            "access_counts": _access_counts(user),
            "access_form": access_form if may_import else None,
            "access_error": access_error,
            "access_report": report,
            "max_mib": max_upload_mib(),
        },
        status=status,
    )


# --- water points, roads and services ---------------------------------------------------------------------------

ACCESS_IMPORT_ROLES = (ADMINISTRATOR, GIS_SPECIALIST)
_ACCESS_REPORT_KEY = "landreg.access_report"


def _access_counts(user) -> list[dict]:
    """Per province of the user's: how many water points (and of them functional), roads and services it holds.
    A user of some provinces sees each of them, at nought too; a national user sees the provinces that hold any."""
    counts = selectors.access_feature_counts(user)
    scope = province_ids_in_scope(user)
    ids = set(counts) | (scope or set())
    provinces = AdminArea.objects.filter(pk__in=ids, level="province").order_by("name_en")
    empty = {"water": 0, "functional": 0, "roads": 0, "services": 0}
    return [{"province": province, **counts.get(province.pk, empty)} for province in provinces]


class ProvinceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.local_name} ({obj.pcode})"


class AccessUploadForm(forms.Form):
    layer = forms.ChoiceField(
        label=gettext_lazy("Layer"),
        choices=[
            ("water", gettext_lazy("Water points")),
            ("road", gettext_lazy("Roads")),
            ("service", gettext_lazy("Services")),
        ],
    )
    province = ProvinceChoiceField(label=gettext_lazy("Province"), queryset=AdminArea.objects.none())
    file = forms.FileField(
        label=gettext_lazy("GIS file"),
        help_text=gettext_lazy("GeoPackage (.gpkg), zipped Shapefile (.zip), GeoJSON or KML."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(services.ACCESS_FORMATS)}),
    )
    kind_field = forms.CharField(
        label=gettext_lazy("Attribute holding the kind"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"dir": "ltr"}),
        help_text=gettext_lazy("For roads, the class: paved, gravel or track."),
    )
    default_kind = forms.CharField(
        label=gettext_lazy("Kind of features without one"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"dir": "ltr"}),
        help_text=gettext_lazy("For example well, school or track."),
    )
    name_field = forms.CharField(
        label=gettext_lazy("Attribute holding the name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    status_field = forms.CharField(
        label=gettext_lazy("Attribute holding the status"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"dir": "ltr"}),
        help_text=gettext_lazy(
            "Water points and services: a status of no, false, 0, broken, non-functional or dry marks one as not "
            "working."
        ),
    )
    srid = forms.TypedChoiceField(
        label=gettext_lazy("Coordinate reference system"),
        choices=[("", gettext_lazy("As the file declares"))]
        + [(str(code), f"EPSG:{code} {name}") for code, name in COMMON_SRIDS],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=gettext_lazy("Only for a file that declares none (a Shapefile without .prj)."),
    )
    source = forms.CharField(
        label=gettext_lazy("Source"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("The survey or partner the data comes from; the file's name when left empty."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        provinces = AdminArea.objects.filter(level="province").order_by("name_en")
        self.fields["province"].queryset = filter_by_scope(provinces, user, province_field="id")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        refusal = services.access_file_refusal(upload.name)
        if refusal:
            raise forms.ValidationError(refusal)
        return upload


def _require_access_importer(user):
    if not has_role(user, *ACCESS_IMPORT_ROLES):
        raise PermissionDenied(
            _("Only a GIS specialist or an administrator may import water points, roads and services.")
        )


@csrf_exempt  # the size is checked before the CSRF check reads the body; the inner view is CSRF-protected
def access_upload(request):
    """The upload of water points, roads or services (POST only); answers with the rasters page and the report."""
    if request.method == "POST":
        if content_length_too_large(request) and request.user.is_authenticated:
            _require_access_importer(request.user)
            return _rasters_page(request, access_error=over_limit_sentence(), status=413)
        request.upload_handlers.insert(0, UploadLimit(request))
    return _access_upload(request)


@csrf_protect
@login_required
def _access_upload(request):
    _require_access_importer(request.user)
    if request.method != "POST":
        return redirect("planning-rasters")
    if getattr(request, "layout_upload_too_large", False):
        return _rasters_page(request, access_error=over_limit_sentence(), status=413)
    form = AccessUploadForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        return _rasters_page(request, access_form=form, status=400)
    values = form.cleaned_data
    name = safe_upload_name(values["file"].name)
    error = None
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / name
        with path.open("wb") as out:
            for chunk in values["file"].chunks():
                out.write(chunk)
        try:
            count = services.access_features_import(
                path=path,
                layer=values["layer"],
                province=values["province"],
                by=request.user,
                kind_field=values["kind_field"],
                default_kind=values["default_kind"],
                name_field=values["name_field"],
                status_field=values["status_field"],
                srid=values["srid"],
                source=values["source"],
            )
        except services.AccessLayerError as exc:
            error = str(exc)
        except ValidationError as exc:  # the database's rules, e.g. a feature outside the province
            error = " ".join(exc.messages)
        except (GDALException, GEOSException):
            error = _(
                "%(file)s holds a geometry or coordinate reference system that cannot be read; export it again "
                "from QGIS."
            ) % {"file": name}
    if error:
        return _rasters_page(request, access_form=form, access_error=error, status=400)
    request.session[_ACCESS_REPORT_KEY] = {
        "layer": values["layer"],
        "province_id": values["province"].pk,
        "file_name": name,
        "imported": count,
    }
    return redirect(f"{reverse('planning-rasters')}#access-layers")
