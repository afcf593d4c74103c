"""Schemathesis over the layout draft API only (/api/v1/planning/…drafts…): generated bodies that fit the schema
and bodies that do not, as a GIS specialist, on a real parcel and a real draft. No 5xx, ever."""

import pytest
from django.contrib.gis.geos import MultiPolygon
from django.core.signals import got_request_exception

from parcels.models import LandParcel
from planning import draft_services
from planning.drafting import DraftParameters
from tests.api.test_schemathesis import (  # noqa: F401 (fixtures)
    ServerErrors,
    api_schema,
    basic_auth,
    in_process,
    quiet_request_log,
    run_boundaries,
    run_operation,
)
from townships import services as township_services


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_no_draft_operation_answers_a_server_error(api_schema, users, provinces, frame, quiet_request_log):  # noqa: F811
    outline = frame.ring([(0, 0), (200, 10), (210, 150), (-10, 140)])
    parcel = LandParcel.objects.create(
        reference="NAN-LP-F", province=provinces["nangarhar"], geom=MultiPolygon(outline)
    )
    township = township_services.township_create(
        code="NAN-FUZZ",
        name="Fuzz township",
        province=provinces["nangarhar"],
        legal_basis="decree_305_2018",
        geom=MultiPolygon(frame.rect(-30, -20, 280, 200)),
    )
    draft = draft_services.layout_draft_check(
        parcel=parcel, township=township, params=DraftParameters(plots_per_row=4), by=users["gis"]
    ).layout_import
    schema = api_schema.include(path_regex="/planning/(parcels/\\{id\\}/drafts|drafts)/")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 4
    errors = ServerErrors()
    auth = {"Authorization": basic_auth(users["gis"].username)}
    references = {"township": township.code}
    got_request_exception.connect(errors.remember_exception)
    try:
        for operation in operations:
            fixed = {"id": parcel.pk if "parcels" in operation.path else draft.pk}
            run_boundaries(operation, role="gis_specialist", auth=auth, fixed=fixed, errors=errors, max_cases=30)
            run_operation(
                operation,
                role="gis_specialist",
                auth=auth,
                fixed=fixed,
                references=references,
                errors=errors,
                max_examples=15,
            )
    finally:
        got_request_exception.disconnect(errors.remember_exception)
    assert errors.sent > 100
    assert not errors.found, errors.report()
