"""Pages of the REST API: `limit` and `offset`, checked and bounded. A value that is not a whole number in range is
refused with a sentence instead of being ignored, or passed to PostgreSQL as a LIMIT it cannot hold."""

from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

MAX_LIMIT = 1000  # a page larger than this is an export: use the export endpoints
MAX_OFFSET = 10**9  # far beyond any list we hold, and well inside PostgreSQL's bigint


def whole_number(request, name: str, *, default: int, low: int, high: int) -> int:
    """The query parameter `name` as a whole number from low to high, or the default when it is absent or empty."""
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if len(raw) <= 20 and raw.lstrip("+-").isdigit() else None
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ValidationError(
            {
                name: [
                    _("%(name)s must be a whole number from %(low)d to %(high)d.")
                    % {"name": name, "low": low, "high": high}
                ]
            }
        )
    return value


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    max_limit = MAX_LIMIT

    def get_limit(self, request):
        return whole_number(request, self.limit_query_param, default=self.default_limit, low=1, high=self.max_limit)

    def get_offset(self, request):
        return whole_number(request, self.offset_query_param, default=0, low=0, high=MAX_OFFSET)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {self.limit_query_param: (1, self.max_limit), self.offset_query_param: (0, MAX_OFFSET)}
        for parameter in parameters:
            low, high = bounds[parameter["name"]]
            parameter["schema"].update(minimum=low, maximum=high)
        return parameters
