"""Geographic scope: the one place that decides which provinces and townships a user may see."""

from django.db.models import Q, QuerySet


def province_ids_in_scope(user) -> set[int] | None:
    """The provinces a user may see; None means all of them (national users, superusers)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    scope = getattr(user, "scope", None)  # None when no scope was ever given
    if scope is None:
        return set()
    if scope.national:
        return None
    return set(scope.provinces.values_list("pk", flat=True))


def township_ids_in_scope(user) -> set[int] | None:
    """Townships a user is limited to, or None when the user sees every township of their provinces."""
    if not user.is_authenticated or user.is_superuser or not hasattr(user, "scope"):
        return None
    ids = set(user.scope.townships.values_list("pk", flat=True))
    return ids or None


def filter_by_scope(queryset: QuerySet, user, *, province_field: str, township_field: str | None = None):
    """Restrict a queryset to the user's scope, given the lookups that lead to province and township."""
    provinces = province_ids_in_scope(user)
    if provinces is not None:
        queryset = queryset.filter(Q(**{f"{province_field}__in": provinces}))
    if township_field:
        townships = township_ids_in_scope(user)
        if townships is not None:
            queryset = queryset.filter(Q(**{f"{township_field}__in": townships}))
    return queryset
