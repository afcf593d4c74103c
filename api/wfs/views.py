"""The WFS view: the five feature types, restricted to the user's scope, behind a login."""

from django.db.models import F
from gisserver.crs import CRS, CRS84, WEB_MERCATOR, WGS84
from gisserver.exceptions import PermissionDenied as OwsPermissionDenied
from gisserver.features import FeatureField, FeatureType, ServiceDescription, field
from gisserver.types import XsdElement
from gisserver.views import WFSView

from api.http import login_or_basic
from landreg.sharing import provinces_shared_with
from parcels.models import AdminArea
from townships.exports import townships_exportable_by
from townships.models import Block, Facility, Plot

# Storage is EPSG:4326; clients may ask for lon/lat (CRS84), web mercator, or the three UTM zones we measure in.
OTHER_CRS = [CRS84, WEB_MERCATOR, *(CRS.from_srid(srid) for srid in (32641, 32642, 32643))]
BASIC_REALM = "landreg WFS"
# GDAL sends the credentials with every page of features, and checking a password costs about half a second
# (PBKDF2, on purpose): api.auth remembers a verified Authorization header for a few minutes, under a keyed hash
# of it, and only while the user stays active with the same password.


class BiswaElement(XsdElement):
    """area_biswa: the plot's area_m2 / 100 (1 biswa = 100 m²), computed, and usable in filters and sorting."""

    def get_value(self, instance):
        area_m2 = super().get_value(instance)
        return None if area_m2 is None else area_m2 / 100

    def build_lhs_part(self, compiler, match):
        return compiler.add_annotation(self.build_rhs_part(compiler, match))

    def build_rhs_part(self, compiler, match):
        return F(match.orm_path) / 100


def feature_types_for(user) -> list[FeatureType]:
    """The five layers, restricted to the townships in the user's scope."""
    townships = townships_exportable_by(user)
    if (shared := provinces_shared_with(user, "township_layout")) is not None:  # a partner: under an agreement
        townships = townships.filter(province_id__in=shared)
    common = {"crs": WGS84, "other_crs": OTHER_CRS}
    return [
        FeatureType(
            AdminArea.objects.filter(level=AdminArea.Level.PROVINCE),
            name="provinces",
            title="Provinces",
            abstract="The 34 provinces (OCHA COD-AB p-codes), names in English, Dari and Pashto.",
            fields=["pcode", "name_en", "name_prs", "name_ps", "geom"],
            display_field_name="name_en",
            **common,
        ),
        FeatureType(
            townships,
            name="townships",
            title="Townships",
            abstract="Townships for returnees and IDPs: boundary, code, names, status and UTM zone.",
            fields=["code", "name", "name_prs", "status", "utm_srid", "geom"],
            display_field_name="name",
            **common,
        ),
        FeatureType(
            Block.objects.filter(township__in=townships),
            name="blocks",
            title="Blocks",
            abstract="Blocks of plots inside townships.",
            fields=["code", field("township", model_attribute="township.code"), "geom"],
            display_field_name="code",
            **common,
        ),
        FeatureType(
            Plot.objects.filter(township__in=townships),
            name="plots",
            title="Plots",
            abstract="Plots with number, block, status, use and area (m² and biswa); never who holds them.",
            fields=[
                "number",
                field("block", model_attribute="block.code"),
                field("township", model_attribute="township.code"),
                "status",
                "use",
                "area_m2",
                FeatureField("area_biswa", model_attribute="area_m2", xsd_class=BiswaElement),
                "geom",
            ],
            display_field_name="number",
            **common,
        ),
        FeatureType(
            Facility.objects.filter(township__in=townships),
            name="facilities",
            title="Facilities",
            abstract="Water points, schools, clinics, mosques, markets and road access points.",
            fields=["kind", "name", "functional", field("township", model_attribute="township.code"), "geom"],
            geometry_field_name="geom",
            **common,
        ),
    ]


class LandregWFSView(WFSView):
    xml_namespace = "urn:landreg:wfs"
    service_description = ServiceDescription(
        title="landreg",
        abstract=(
            "Townships, blocks, plots and facilities on state land for returnees and IDPs in Afghanistan "
            "(Ministry of Refugees and Repatriation). Land records only: no personal data."
        ),
        keywords=["Afghanistan", "returnees", "townships", "plots", "land allocation"],
        provider_name="Ministry of Refugees and Repatriation",
    )

    def get_feature_types(self) -> list[FeatureType]:
        return feature_types_for(self.request.user)


class LoginRequired(OwsPermissionDenied):
    status_code = 401
    reason = "Unauthorized"


def _ows_refusal(status: int, sentence: str):
    """A refusal as an OWS exception report, so that GIS clients show the sentence."""
    return LoginRequired(sentence, status_code=status).as_response()


# A session, or HTTP Basic credentials checked against Django's users without starting a session; anyone else is
# asked for Basic credentials.
wfs_view = login_or_basic(
    refuse=401,
    sentence=(
        "Log in to read the WFS: send your landreg user name and password with HTTP Basic authentication "
        "(in GDAL: GDAL_HTTP_AUTH=BASIC GDAL_HTTP_USERPWD=user:password)."
    ),
    answer=_ows_refusal,
    challenge=f'Basic realm="{BASIC_REALM}", charset="UTF-8"',
)(LandregWFSView.as_view())
