"""IDP sites: the list (with each site's latest estimate), a site's page (its estimates round by round, and a new
round's form), a new site and its correction (a point or an outline, coded to a province and district). No personal
data: every role reads the sites of its provinces (a partner's, those its agreements share); land officers and GIS
specialists draw them, border teams and land officers record estimates (docs/movements.md, "Who may do what")."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from landreg import roles
from landreg.roles import has_role
from landreg.sharing import counts_suppressed_for, suppressed
from movements.dashboards import province_outlines_geojson
from movements.selectors import idp_sites_visible_to, site_estimate_latest
from movements.services import SITE_FIELDS, idp_site_create, idp_site_update, site_estimate_record
from webmap.movements.charts import number
from webmap.movements.common import form_errors, provinces_of, render_page, require_site_role
from webmap.movements.forms import EstimateForm, SiteForm

ESTIMATE_ROLES = (roles.LAND_OFFICER, roles.FIELD_OFFICER)


def _site_or_404(request, code):
    site = idp_sites_visible_to(request.user).filter(code=code).first()
    if site is None:
        raise Http404(_("No IDP site with this code in your provinces."))
    return site


def _people(user, n) -> str:
    """A number of people as the reader may see it, in the reader's digits ("<5" for a small cell)."""
    return number(suppressed(n) if counts_suppressed_for(user) else n)


@login_required
def site_list(request):
    sites = list(idp_sites_visible_to(request.user).order_by("province__name_en", "name"))
    for site in sites:
        site.latest = site_estimate_latest(site)
        site.people = _people(request.user, site.latest.population) if site.latest else None
    context = {"sites": sites, "may_draw": has_role(request.user, roles.LAND_OFFICER, roles.GIS_SPECIALIST)}
    return render_page(request, "webmap/movements/site_list.html", context)


@login_required
def site_detail(request, code):
    site = _site_or_404(request, code)
    form = EstimateForm(request.POST or None)
    problems, status = [], 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                site_estimate_record(site=site, by=request.user, **form.cleaned_data)
            except PermissionDenied as error:
                problems, status = [str(error)], 403
            except ValidationError as error:
                problems = form_errors(form, error)
            else:
                messages.success(request, _("Estimate of round %(r)s recorded.") % {"r": form.cleaned_data["round"]})
                return redirect("movement-site-detail", code=site.code)
    estimates = list(site.estimates.order_by("-assessed_on", "-id"))
    for estimate in estimates:
        estimate.people = _people(request.user, estimate.population)
        for group in ("arrival_idps", "returned_idps", "returnees_from_abroad", "out_migrants"):
            setattr(estimate, f"{group}_shown", _people(request.user, getattr(estimate, group)))
    context = {
        "site": site,
        "estimates": estimates,
        "form": form,
        "problems": problems,
        "may_estimate": has_role(request.user, *ESTIMATE_ROLES),
        "may_draw": has_role(request.user, roles.LAND_OFFICER, roles.GIS_SPECIALIST),
        "shape_geojson": {
            "context": province_outlines_geojson(),
            "steps": {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "geometry": json.loads(site.geom.geojson), "properties": {}}],
            },
        },
    }
    return render_page(request, "webmap/movements/site_detail.html", context, status=status)


def _site_values(data: dict) -> dict:
    return {k: data[k] for k in SITE_FIELDS if k in data}


@login_required
def site_new(request):
    require_site_role(request)
    form = SiteForm(request.POST or None, provinces=provinces_of(request))
    problems, status = [], 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                site = idp_site_create(
                    code=form.cleaned_data["code"],
                    province=form.cleaned_data["province"],
                    by=request.user,
                    **_site_values(form.cleaned_data),
                )
            except PermissionDenied as error:
                problems, status = [str(error)], 403
            except ValidationError as error:
                problems = form_errors(form, error, {"geom": "outline"})
            else:
                messages.success(request, _("IDP site %(name)s recorded.") % {"name": site.name})
                return redirect("movement-site-detail", code=site.code)
    context = {"form": form, "problems": problems, "site": None}
    return render_page(request, "webmap/movements/site_form.html", context, status=status)


@login_required
def site_edit(request, code):
    require_site_role(request)
    site = _site_or_404(request, code)
    initial = {f: getattr(site, f) for f in SITE_FIELDS if f != "geom"}
    if site.geom.geom_type == "Point":
        initial.update(longitude=site.geom.x, latitude=site.geom.y)
    else:
        initial["outline"] = site.geom.wkt
    form = SiteForm(request.POST or None, initial=initial, editing=True)
    problems, status = [], 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                idp_site_update(site=site, by=request.user, **_site_values(form.cleaned_data))
            except PermissionDenied as error:
                problems, status = [str(error)], 403
            except ValidationError as error:
                problems = form_errors(form, error, {"geom": "outline"})
            else:
                messages.success(request, _("IDP site %(name)s updated.") % {"name": site.name})
                return redirect("movement-site-detail", code=site.code)
    context = {"form": form, "problems": problems, "site": site}
    return render_page(request, "webmap/movements/site_form.html", context, status=status)
