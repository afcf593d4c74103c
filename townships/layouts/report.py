"""The report of a checked layout: counts, the repaired and rejected features, the differences with the township's
plots; as stored on the LayoutImport, as sentences for people, and as a GeoPackage of the problems for QGIS."""

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from townships.layouts.messages import change_labels, problem_text, repair_text
from townships.models import LayoutImport, Township

OGR2OGR = shutil.which("ogr2ogr") or "/usr/bin/ogr2ogr"


@dataclass
class LayoutReport:
    counts: dict
    features: list  # only the repaired and rejected ones, in file order
    changed: list  # [{"number", "changes", "allocated", "block_before", "block_after", "moved_m", "different_plot"}]
    missing: list  # numbers of plots in the township that the file does not have (kept as they are)
    allocated_moves: list  # numbers of plots with an active allocation whose outline would move
    added: list
    committed: bool = False

    @property
    def rejected(self) -> bool:
        return self.counts.get("rejected", 0) > 0

    def as_dict(self) -> dict:
        return {
            "counts": self.counts,
            "features": self.features,
            "changed": self.changed,
            "missing": self.missing,
            "allocated_moves": self.allocated_moves,
            "added": self.added,
        }

    @classmethod
    def from_dict(cls, data: dict, *, committed=False) -> "LayoutReport":
        return cls(
            counts=data.get("counts", {}),
            features=data.get("features", []),
            changed=data.get("changed", []),
            missing=data.get("missing", []),
            allocated_moves=data.get("allocated_moves", []),
            added=data.get("added", []),
            committed=committed,
        )


REPORT_LIST_LIMIT = 5000  # rows kept for the page and the API; the GeoPackage has every problem


def _write_problem_geopackage(cursor, township: Township, target: Path) -> None:
    """The features with problems or repairs (layer layout_problems) and where each problem is (layer
    problem_places: the overlap areas, the points where an outline crosses itself), in EPSG:4326, for QGIS."""
    cursor.execute(
        """
        SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(geom, 9)::json, 'properties',
                 json_build_object('feature', fid, 'number', number,
                   'outcome', CASE WHEN problems <> '[]' THEN 'rejected' ELSE 'repaired' END,
                   'codes', (SELECT string_agg(DISTINCT p->>'code', ', ') FROM jsonb_array_elements(problems) p),
                   'problems', problems::text, 'repairs', repairs::text))::text
          FROM layout_feature WHERE kind <> 'label' AND (problems <> '[]' OR repairs <> '[]') ORDER BY fid
        """
    )
    features = [json.loads(row[0]) for row in cursor.fetchall()]
    for feature in features:
        props = feature["properties"]
        props["reasons"] = " ".join(problem_text(p) for p in json.loads(props.pop("problems")))
        props["repairs"] = " ".join(repair_text(r) for r in json.loads(props["repairs"]))
    cursor.execute(
        """
        SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(g, 9)::json,
                 'properties', json_build_object('feature', fid, 'number', number, 'problem', code,
                                                 'area_m2', area))::text
          FROM (
            SELECT f.fid, f.number, 'overlap' AS code, (p->'params'->>'area')::numeric AS area,
                   ST_CollectionExtract(ST_Intersection(f.geom, coalesce(o.geom, e.geom)), 3) AS g
              FROM layout_feature f CROSS JOIN LATERAL jsonb_array_elements(f.problems) p
              LEFT JOIN layout_feature o ON o.fid = (p->'params'->>'other_fid')::bigint
              LEFT JOIN townships_plot e ON e.township_id = %s AND e.number = p->'params'->>'existing_number'
             WHERE p->>'code' = 'overlap' AND f.kind = 'polygon'
            UNION ALL
            SELECT f.fid, f.number, p->>'code', NULL,
                   ST_SetSRID(ST_MakePoint((p->'params'->>'lon')::float8, (p->'params'->>'lat')::float8), 4326)
              FROM layout_feature f CROSS JOIN LATERAL jsonb_array_elements(f.problems) p
             WHERE p->>'code' = 'self_intersection') x
         WHERE g IS NOT NULL AND NOT ST_IsEmpty(g)
        """,
        [township.pk],
    )
    places = [json.loads(row[0]) for row in cursor.fetchall()]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        for i, (layer, rows) in enumerate((("layout_problems", features), ("problem_places", places))):
            source = Path(folder) / f"{layer}.geojson"
            source.write_text(json.dumps({"type": "FeatureCollection", "features": rows}), encoding="utf-8")
            command = [
                OGR2OGR,
                "-f",
                "GPKG",
                str(target),
                str(source),
                "-nln",
                layer,
                "-nlt",
                "GEOMETRY",
                "-a_srs",
                "EPSG:4326",
            ]
            if i:
                command.insert(1, "-update")
            done = subprocess.run(command, capture_output=True, text=True, timeout=600)
            if done.returncode:
                raise RuntimeError(f"ogr2ogr could not write the problem GeoPackage: {done.stderr.strip()}")


def layout_import_report(layout_import: LayoutImport) -> LayoutReport:
    return LayoutReport.from_dict(layout_import.report, committed=layout_import.status == LayoutImport.Status.COMMITTED)


def report_for_people(layout_import: LayoutImport) -> dict:
    """The stored report with every problem and repair as a sentence in the current language."""
    report = dict(layout_import.report)
    report["features"] = [
        {
            **feature,
            "problems": [{**p, "message": problem_text(p)} for p in feature["problems"]],
            "repairs": [{**r, "message": repair_text(r)} for r in feature["repairs"]],
        }
        for feature in report.get("features", [])
    ]
    labels = change_labels()
    report["changed"] = [
        {**ch, "change_labels": [labels.get(c, c) for c in ch.get("changes", [])]} for ch in report.get("changed", [])
    ]
    return report
