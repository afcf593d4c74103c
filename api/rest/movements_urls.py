"""REST API v1: movements (the views and their URLs: api/rest/movements.py)."""

from api.rest.movements import urlpatterns

__all__ = ["urlpatterns"]
