"""Reads of provinces, land parcels and imagery, bounded by the reader's scope."""

from django.core.exceptions import PermissionDenied

from landreg.scope import province_ids_in_scope
from landreg.sharing import partner_provinces
from parcels.models import Imagery

# What a partner's data-sharing agreement must share to see the imagery of a province under the map's layout.
IMAGERY_DATASET = "township_layout"


def imagery_visible_to(user):
    """Imagery of the provinces in the user's scope, and imagery given no province (everyone's). A partner sees
    only the provinces their agreement shares the layout for (and the province-less scenes)."""
    if not user.is_authenticated or not user.is_active:
        return Imagery.objects.none()
    queryset = Imagery.objects.all()
    for provinces in (province_ids_in_scope(user), _shared_or_none(user)):
        if provinces is not None:
            queryset = queryset.filter(province__isnull=True) | queryset.filter(province__in=provinces)
    return queryset.order_by("-captured_on", "name")


def _shared_or_none(user):
    """The provinces a partner's agreements share, () without any; None for other roles."""
    try:
        return partner_provinces(user, IMAGERY_DATASET)
    except PermissionDenied:
        return ()
