"""The published collections: what each shows (its queryables, which are also its only properties), in which
coordinate systems, and who may edit it. No personal data is published."""

from dataclasses import dataclass, field

from django.contrib.gis.db.models import GeometryField
from django.db.models import BooleanField, F, FloatField, IntegerField, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from api.ogc.problems import Refused
from landreg import roles
from landreg.scope import filter_by_scope, province_ids_in_scope
from landreg.sharing import provinces_shared_with
from livelihoods.models import Opportunity
from movements.models import IdpSite
from parcels.models import AdminArea, CrossingPoint
from partners import published
from shelters.selectors import shelter_stage
from townships.models import Block, Facility, Plot, Township

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
# srid by CRS URI; EPSG:4326 is served in its official latitude, longitude axis order.
CRS = {CRS84: 4326, **{EPSG.format(srid): srid for srid in (4326, 3857, 32641, 32642, 32643)}}
EDITORS = (roles.GIS_SPECIALIST, roles.ADMINISTRATOR)
SPATIAL = "geometry"  # the one spatial queryable: the feature's geometry
MAX_LIMIT, MAX_OFFSET = 10_000, 1_000_000_000
# What a client may send as a feature's geometry, by collection (the column types).
GEOMETRY_TYPES = {
    "townships": ("Polygon", "MultiPolygon"),
    "blocks": ("Polygon",),
    "plots": ("Polygon",),
    "facilities": ("Point",),
}
# What a client may set, by collection; the other properties are derived or follow a workflow.
WRITABLE = {
    "townships": {"code", "name", "name_prs", "name_ps", "province", "legal_basis", "status"},
    "blocks": {"code", "township"},
    "plots": {"number", "township", "block", "use", "status"},
    "facilities": {"kind", "name", "functional", "township"},
}


@dataclass
class Collection:
    id: str
    title: str
    model: type
    properties: dict  # property name -> ORM lookup (read)
    province_field: str
    township_field: str | None = None
    editable: bool = False
    types: dict = field(default_factory=dict)  # property name -> JSON schema type for queryables
    annotations: dict = field(default_factory=dict)  # computed properties (read-only), by name
    dataset: str = "township_layout"  # what a partner's agreement must share for the partner to see the collection
    where: RawSQL | None = None  # which rows are published at all (an open site, an open opportunity)
    description: str = ""

    def queryset(self, user) -> QuerySet:
        qs = self.model.objects.all()
        if self.annotations:
            qs = qs.annotate(**self.annotations)
        if self.where is not None:
            qs = qs.filter(self.where)
        if self.model is AdminArea:
            qs = qs.filter(level=AdminArea.Level.PROVINCE)
        elif (shared := provinces_shared_with(user, self.dataset)) is not None:  # a partner: under an agreement
            qs = qs.filter(**{f"{self.province_field}__in": shared})
        return filter_by_scope(qs, user, province_field=self.province_field, township_field=self.township_field)


# The ORM field of a computed property's JSON schema type, for filters and sorting.
_OUTPUT = {"integer": IntegerField, "number": FloatField, "boolean": BooleanField, "string": TextField}


def published_collection(
    id: str, title: str, model, columns, types: dict, *, dataset: str, description: str, where: str = "", geometry=""
) -> Collection:
    """A read-only collection whose properties are the SQL of partners.published over the model's table (one
    definition for OGC API and the tiles). The annotations are named apart from the model's fields."""
    table = model._meta.db_table
    annotations = {
        f"pub_{name}": RawSQL(sql, [], output_field=_OUTPUT[types.get(name, "string")]())
        for name, sql in columns(table).items()
    }
    if geometry:  # a layer whose geometry is one of two columns
        annotations["geom"] = RawSQL(geometry.format(alias=table), [], output_field=GeometryField(srid=4326))
    return Collection(
        id,
        title,
        model,
        {name: f"pub_{name}" for name in columns(table)},
        "province",
        types=types,
        annotations=annotations,
        dataset=dataset,
        where=RawSQL(where.format(alias=table), [], output_field=BooleanField()) if where else None,
        description=description,
    )


# The construction stage a plot's shelter has passed: one definition, in shelters.selectors.
SHELTER_STAGE = shelter_stage()

COLLECTIONS = {
    c.id: c
    for c in [
        Collection(
            "townships",
            "Townships",
            Township,
            {
                "code": "code",
                "name": "name",
                "name_prs": "name_prs",
                "name_ps": "name_ps",
                "province": "province__pcode",
                "legal_basis": "legal_basis",
                "status": "status",
                "utm_srid": "utm_srid",
            },
            "province",
            "pk",
            editable=True,
            types={"utm_srid": "integer"},
        ),
        Collection(
            "blocks",
            "Blocks",
            Block,
            {"code": "code", "township": "township__code"},
            "township__province",
            "township",
            editable=True,
        ),
        Collection(
            "plots",
            "Plots",
            Plot,
            {
                "number": "number",
                "township": "township__code",
                "block": "block__code",
                "use": "use",
                "status": "status",
                "area_m2": "area_m2",
                "shelter_stage": "shelter_stage",
                "site_fit": "site_fit",
            },
            "township__province",
            "township",
            editable=True,
            types={"area_m2": "number"},
            # Whether the ground is fit to live on (planning's plot figures; "unknown" until computed).
            annotations={"shelter_stage": SHELTER_STAGE, "site_fit": Coalesce(F("site__fit"), Value("unknown"))},
        ),
        Collection(
            "facilities",
            "Facilities",
            Facility,
            {"kind": "kind", "name": "name", "functional": "functional", "township": "township__code"},
            "township__province",
            "township",
            editable=True,
            types={"functional": "boolean"},
        ),
        Collection(
            "provinces",
            "Provinces",
            AdminArea,
            {"pcode": "pcode", "name_en": "name_en", "name_prs": "name_prs", "name_ps": "name_ps"},
            "pk",
        ),
        published_collection(
            "crossing-points",
            "Border crossing points",
            CrossingPoint,
            published.crossing_point_columns,
            published.CROSSING_POINT_TYPES,
            dataset=published.MOVEMENTS_DATASET,
            description=(
                "Border crossing points with the people who arrived last week and last month (from Saturday; "
                "registered at the border, and counted by the border monitoring teams). A count of 1 to 4 is null."
            ),
        ),
        published_collection(
            "idp-sites",
            "IDP sites",
            IdpSite,
            published.idp_site_columns,
            published.IDP_SITE_TYPES,
            dataset=published.MOVEMENTS_DATASET,
            where=published.IDP_SITES_OPEN,
            description=(
                "IDP sites still open, with their latest population estimate by group, its date and method. "
                "A count of 1 to 4 is null."
            ),
        ),
        published_collection(
            "opportunities",
            "Livelihood opportunities",
            Opportunity,
            published.opportunity_columns,
            published.OPPORTUNITY_TYPES,
            dataset=published.OPPORTUNITIES_DATASET,
            where=published.OPPORTUNITIES_OPEN,
            geometry=published.OPPORTUNITY_GEOMETRY,
            description=(
                "Work and training open today: kind, ISIC sector, places offered and filled (1 to 4 filled is null), "
                "dates, pay, provider and province. No personal data."
            ),
        ),
    ]
}


def collection_named(name: str) -> Collection:
    if name not in COLLECTIONS:
        raise Refused(
            404, _("There is no collection “%(c)s”. Collections: %(all)s.") % {"c": name, "all": ", ".join(COLLECTIONS)}
        )
    return COLLECTIONS[name]


def crs_named(uri: str | None, what: str) -> tuple[int, bool]:
    """(srid, latitude first?) for a CRS URI; CRS84 when none is given."""
    uri = (uri or CRS84).strip().strip("<>")
    if uri not in CRS:
        raise Refused(
            400,
            _("%(what)s “%(uri)s” is not supported. Use one of: %(all)s.")
            % {"what": what, "uri": uri, "all": ", ".join(CRS)},
        )
    return CRS[uri], uri == EPSG.format(4326)


def can_edit(user, collection: Collection, township: Township | None = None) -> bool:
    if not collection.editable or not roles.has_role(user, *EDITORS):
        return False
    if township is None:
        return True
    provinces = province_ids_in_scope(user)
    return provinces is None or township.province_id in provinces


def queryables_text(c: Collection) -> str:
    return ", ".join([*c.properties, SPATIAL])


def not_queryable(c: Collection) -> Refused:
    # Names only the queryables, never the name that was sent nor any model field: no map of what lies behind.
    return Refused(
        400,
        _("A filter may use only the queryables of %(c)s: %(q)s.") % {"c": c.id, "q": queryables_text(c)},
    )
