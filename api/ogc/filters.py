"""Which features a request names: bbox, property equality, and CQL2 filters (text and JSON). The parsed filter
is walked before any query is built, and any name that is not a queryable of the collection is refused, whatever
the operator and the encoding; names reach the ORM only through the queryables."""

import json
import math
from datetime import date, datetime, time, timedelta

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _
from pygeofilter import ast, values
from pygeofilter.backends.django.evaluate import DjangoFilterEvaluator
from pygeofilter.backends.django.filters import UNITS_LOOKUP
from pygeofilter.backends.evaluator import handle
from pygeofilter.parsers.cql2_json import parse as parse_cql2_json
from pygeofilter.parsers.cql2_text import parse as parse_cql2

from api.ogc.collections import SPATIAL, Collection, crs_named, not_queryable, queryables_text
from api.ogc.features import client_geometry, finite
from api.ogc.problems import Refused

MAX_FILTER_LENGTH, MAX_FILTER_DEPTH = 100_000, 50
NUMERIC = {"number", "integer"}


def _kind(node, c: Collection) -> str:
    """The type of a filter operand: a queryable's declared type, or a literal's. Anything else is refused."""
    if isinstance(node, ast.Attribute):
        if not isinstance(node.name, str) or (node.name not in c.properties and node.name != SPATIAL):
            raise not_queryable(c)
        return "geometry" if node.name == SPATIAL else c.types.get(node.name, "string")
    if isinstance(node, bool):
        return "boolean"
    if isinstance(node, int):
        return "integer"
    if isinstance(node, float):
        if not math.isfinite(node):
            raise Refused(400, _("Numbers in a filter must be finite."))
        return "number"
    if isinstance(node, str):
        return "string"
    if isinstance(node, (values.Geometry, values.Envelope)):
        return "geometry"
    if isinstance(node, (date, datetime, time, timedelta, values.Interval)):
        return "temporal"
    raise Refused(
        400,
        _("A filter here compares queryables with values; arithmetic, functions and arrays are not supported."),
    )


def _same_kind(c: Collection, *operands) -> str:
    """Refuse operands that PostgreSQL could not compare (text with a number…); give their common type."""
    kinds = [_kind(operand, c) for operand in operands]
    if not any(isinstance(operand, ast.Attribute) for operand in operands):
        raise Refused(400, _("Each comparison in a filter needs a queryable: %(q)s.") % {"q": queryables_text(c)})
    if len(set(kinds)) > 1 and not set(kinds) <= NUMERIC:
        names = ", ".join(
            f"{operand.name} ({_kind(operand, c)})" for operand in operands if isinstance(operand, ast.Attribute)
        )
        raise Refused(
            400,
            _("A filter compares a queryable with a value of another type: %(names)s. Quote text, not numbers.")
            % {"names": names},
        )
    return kinds[0]


def _check_filter(node, c: Collection, depth: int = 0) -> None:
    """Walk the parsed filter and refuse, before any query is built, any name that is not a queryable of the
    collection and any operation that does not fit its operands: whatever the operator and the encoding."""
    if depth > MAX_FILTER_DEPTH:
        raise Refused(400, _("The filter is nested too deeply; simplify it."))
    if isinstance(node, ast.Not):
        return _check_filter(node.sub_node, c, depth + 1)
    if isinstance(node, (ast.And, ast.Or)):
        _check_filter(node.lhs, c, depth + 1)
        return _check_filter(node.rhs, c, depth + 1)
    if isinstance(node, ast.Comparison):
        if _same_kind(c, node.lhs, node.rhs) in ("geometry", "temporal"):
            raise Refused(400, _("Compare the geometry with the spatial operators (S_INTERSECTS…)."))
    elif isinstance(node, ast.Between):
        if _same_kind(c, node.lhs, node.low, node.high) not in NUMERIC | {"string"}:
            raise Refused(400, _("BETWEEN needs a number or text queryable."))
    elif isinstance(node, ast.Like):
        if not isinstance(node.lhs, ast.Attribute) or not isinstance(node.pattern, str):
            raise Refused(400, _("LIKE compares a text queryable with a quoted pattern."))
        if _same_kind(c, node.lhs, node.pattern) != "string":
            raise Refused(400, _("LIKE compares a text queryable with a quoted pattern."))
    elif isinstance(node, ast.In):
        if not isinstance(node.lhs, ast.Attribute) or not node.sub_nodes:
            raise Refused(400, _("IN compares a queryable with a list of values."))
        for option in node.sub_nodes:
            if _same_kind(c, node.lhs, option) in ("geometry", "temporal"):
                raise Refused(400, _("IN compares a queryable with a list of values."))
    elif isinstance(node, ast.IsNull):
        if not isinstance(node.lhs, ast.Attribute):
            raise Refused(400, _("IS NULL applies to a queryable."))
        _kind(node.lhs, c)
    elif isinstance(node, (ast.SpatialComparisonPredicate, ast.Relate, ast.SpatialDistancePredicate)):
        operands = (node.lhs, node.rhs)
        attributes = [operand for operand in operands if isinstance(operand, ast.Attribute)]
        if _same_kind(c, *operands) != "geometry" or len(attributes) != 1:
            raise Refused(400, _("A spatial operator compares the queryable %(g)s with a geometry.") % {"g": SPATIAL})
        if isinstance(node, ast.Relate) and not (
            isinstance(node.pattern, str) and len(node.pattern) == 9 and set(node.pattern) <= set("TF012*")
        ):
            raise Refused(400, _("S_RELATE needs a pattern of nine characters among T, F, 0, 1, 2 and *."))
        if isinstance(node, ast.SpatialDistancePredicate) and not (
            finite(node.distance) and node.distance >= 0 and isinstance(node.units, str) and node.units in UNITS_LOOKUP
        ):
            raise Refused(400, _("A distance must be a positive number of meters or kilometers."))
    elif isinstance(node, ast.BBox):
        if not isinstance(node.lhs, ast.Attribute) or _kind(node.lhs, c) != "geometry":
            raise Refused(400, _("BBOX applies to the queryable %(g)s.") % {"g": SPATIAL})
        if not finite(node.minx, node.miny, node.maxx, node.maxy):
            raise Refused(400, _("BBOX needs four finite numbers."))
    else:
        raise Refused(
            400,
            _(
                "This filter uses an operator that is not supported here. Use comparisons, LIKE, IN, BETWEEN, "
                "IS NULL and the spatial operators, combined with AND, OR and NOT."
            ),
        )


class _QueryableFilter(DjangoFilterEvaluator):
    """pygeofilter's translation to Django, with names mapped only through the queryables (never handed to the
    ORM as they came) and geometry literals read in the filter's CRS."""

    def __init__(self, c: Collection, srid: int, lat_first: bool):
        super().__init__({**c.properties, SPATIAL: "geom"}, None)
        self.srid, self.lat_first = srid, lat_first

    @handle(ast.Attribute)
    def attribute(self, node):
        return F(self.field_mapping[node.name])  # _check_filter refused every other name

    @handle(values.Geometry)
    def geometry(self, node):
        return client_geometry(node.geometry, self.srid, self.lat_first, _("A geometry in the filter"), valid=True)

    @handle(values.Envelope)
    def envelope(self, node):
        return client_geometry(node.geometry, self.srid, self.lat_first, _("A box in the filter"))

    @handle(ast.BBox)
    def bbox(self, node, lhs):
        srid, lat_first = (self.srid, self.lat_first) if node.crs is None else crs_named(str(node.crs), "BBOX crs")
        corners = values.Envelope(node.minx, node.maxx, node.miny, node.maxy).geometry
        return Q(**{f"{lhs.name}__bboverlaps": client_geometry(corners, srid, lat_first, _("A box in the filter"))})

    @handle(ast.Like)
    def like(self, node, lhs):
        if not node.pattern.replace("%", ""):  # only wildcards: any value
            q = Q(**{f"{lhs.name}__isnull": False})
            return ~q if node.not_ else q
        return super().like(node, lhs)


def _standard_between(node):
    """CQL2 JSON writes BETWEEN with three arguments; pygeofilter 0.4 reads the draft's [value, [low, high]]."""
    if isinstance(node, list):
        return [_standard_between(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _standard_between(value) for key, value in node.items()}
    if node.get("op") == "between" and isinstance(node.get("args"), list) and len(node["args"]) == 3:
        node["args"] = [node["args"][0], node["args"][1:]]
    return node


def filter_q(c: Collection, text: str, lang: str, srid: int, lat_first: bool) -> Q:
    parsers = {"cql2-text": parse_cql2, "cql2-json": lambda t: parse_cql2_json(_standard_between(json.loads(t)))}
    if lang not in parsers:
        raise Refused(400, _("filter-lang must be cql2-text or cql2-json."))
    if len(text) > MAX_FILTER_LENGTH:
        raise Refused(400, _("The filter is too long; simplify it or use bbox."))
    not_understood = Refused(
        400,
        _("The filter could not be understood: check its %(lang)s syntax. Queryables: %(q)s.")
        % {"lang": lang, "q": queryables_text(c)},
    )
    try:
        tree = parsers[lang](text)
    except Exception:  # the parsers raise many kinds (lark, KeyError, ValueError…); all mean "fix the filter"
        raise not_understood from None
    try:
        _check_filter(tree, c)
        return _QueryableFilter(c, srid, lat_first).evaluate(tree)
    except Refused:
        raise
    except Exception:  # a combination the checks let through but the translator cannot express
        raise not_understood from None


def _typed(c: Collection, name: str, value: str):
    """A property's value from the query string, in the property's type."""
    kind = c.types.get(name, "string")
    try:
        if kind == "number":
            number = float(value)
            assert math.isfinite(number)
            return number
        if kind == "integer":
            return int(value)
        if kind == "boolean":
            return {"true": True, "false": False}[value.lower()]
    except (ValueError, AssertionError, KeyError):
        raise Refused(400, _("%(p)s must be a %(t)s.") % {"p": name, "t": kind}) from None
    return value


def property_names(c: Collection, params, key: str, *, signed: bool = False) -> list[str]:
    """The published properties a parameter names (sortby: each with an optional + or -); nothing else."""
    names = [n.strip() for n in params.get(key, "").split(",") if n.strip()]
    if any((n.lstrip("+-") if signed else n) not in c.properties for n in names):
        raise Refused(
            400,
            _("%(key)s may name only these properties of %(c)s: %(p)s.")
            % {"key": key, "c": c.id, "p": ", ".join(c.properties)},
        )
    return names


def filtered(request, c: Collection, user) -> QuerySet:
    qs = c.queryset(user)
    params = request.GET
    if "datetime" in params:
        raise Refused(400, _("These layers have no time property; leave out datetime."))
    if bbox := params.get("bbox"):
        try:
            numbers = [float(v) for v in bbox.split(",")]
            assert len(numbers) == 4 and finite(*numbers)
        except (ValueError, AssertionError):
            raise Refused(400, _("bbox must be four finite numbers: minx,miny,maxx,maxy.")) from None
        srid, lat_first = crs_named(params.get("bbox-crs"), "bbox-crs")
        corners = values.Envelope(numbers[0], numbers[2], numbers[1], numbers[3]).geometry
        qs = qs.filter(geom__bboverlaps=client_geometry(corners, srid, lat_first, "bbox"))  # an SRID, always
    elif "bbox-crs" in params:
        crs_named(params["bbox-crs"], "bbox-crs")
    for name, lookup in c.properties.items():
        if name in params:
            qs = qs.filter(**{lookup: _typed(c, name, params[name])})
    srid, lat_first = crs_named(params.get("filter-crs"), "filter-crs")
    if text := params.get("filter"):
        qs = qs.filter(filter_q(c, text, params.get("filter-lang", "cql2-text"), srid, lat_first))
    return qs
