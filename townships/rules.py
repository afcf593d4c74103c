"""Asks PostGIS whether a block or plot keeps the land rules, using the same SQL the triggers use."""

from django.db import connection

from landreg.rules import errors_from_violations

__all__ = ["check_block", "check_plot", "check_township", "errors_from_violations", "geometry_problem"]


def plot_violations(plot) -> list[tuple[str, str]]:
    if plot.geom is None or plot.township_id is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rule, detail FROM plot_rule_violations(%s, %s, %s, ST_GeomFromEWKB(%s))",
            [plot.pk, plot.township_id, plot.block_id, bytes(plot.geom.ewkb)],
        )
        return cursor.fetchall()


def block_violations(block) -> list[tuple[str, str]]:
    if block.geom is None or block.township_id is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rule, detail FROM block_rule_violations(%s, %s, ST_GeomFromEWKB(%s))",
            [block.pk, block.township_id, bytes(block.geom.ewkb)],
        )
        return cursor.fetchall()


def geometry_problem(geom) -> str | None:
    """Why a geometry cannot be stored, checked in Python so invalid shapes never reach GEOS predicates."""
    if geom is None:
        return None
    if geom.empty:
        return "the geometry is empty"
    if not geom.valid:
        return f"the geometry is invalid ({geom.valid_reason})"
    return None


def check_plot(plot):
    error = errors_from_violations(
        [("plot_geometry_valid", problem)] if (problem := geometry_problem(plot.geom)) else plot_violations(plot)
    )
    if error:
        raise error


def check_block(block):
    error = errors_from_violations(
        [("block_geometry_valid", problem)] if (problem := geometry_problem(block.geom)) else block_violations(block)
    )
    if error:
        raise error


def check_township(township):
    if problem := geometry_problem(township.geom):
        raise errors_from_violations([("township_geometry_valid", problem)])


# The multi-row land rules run at commit (sql/0008_land_rules_at_commit.sql; the plots a transaction touched are
# checked together, as a set, by one event per transaction, sql/0018_plot_rules_once_per_transaction.sql) so that
# QGIS topological edits are judged as a whole; Django writes one record at a time, so it asks for them at once.
LAND_RULE_CHECKS = (
    "plots_keep_the_land_rules",
    "blocks_keep_the_land_rules",
    "blocks_keep_the_land_rules_when_reshaped",
    "township_keeps_its_blocks_and_plots",
)


def check_land_rules_now() -> None:
    """Run the deferred land-rule checks of this transaction now, so a refusal comes back to the caller."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {', '.join(LAND_RULE_CHECKS)} IMMEDIATE")
