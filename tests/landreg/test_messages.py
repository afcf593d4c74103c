"""Refusals read in the user's language, the role names included."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from landreg import roles
from landreg.services_common import require_role


def test_a_refusal_names_the_roles_in_dari(users):
    with translation.override("fa"), pytest.raises(PermissionDenied) as refusal:
        require_role(users["partner"], [roles.LAND_OFFICER, roles.COMMITTEE_MEMBER], "propose an allocation")
    assert "مامور اراضی" in str(refusal.value) and "عضو کمیته" in str(refusal.value)
    with translation.override("en"), pytest.raises(PermissionDenied) as refusal:
        require_role(users["partner"], [roles.LAND_OFFICER], "propose an allocation")
    assert str(refusal.value) == "Only a land officer may propose an allocation."
