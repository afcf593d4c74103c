"""The published collections: what each shows (its queryables, which are also its only properties), in which
coordinate systems, and who may edit it. No personal data is published."""

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from api.ogc.problems import Refused
from landreg import roles
from landreg.scope import filter_by_scope, province_ids_in_scope
from landreg.sharing import provinces_shared_with
from parcels.models import AdminArea
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

    def queryset(self, user) -> QuerySet:
        qs = self.model.objects.all()
        if self.annotations:
            qs = qs.annotate(**self.annotations)
        if self.model is AdminArea:
            qs = qs.filter(level=AdminArea.Level.PROVINCE)
        elif (shared := provinces_shared_with(user, "township_layout")) is not None:  # a partner: under an agreement
            qs = qs.filter(**{f"{self.province_field}__in": shared})
        return filter_by_scope(qs, user, province_field=self.province_field, township_field=self.township_field)


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
            },
            "township__province",
            "township",
            editable=True,
            types={"area_m2": "number"},
            annotations={"shelter_stage": SHELTER_STAGE},
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
