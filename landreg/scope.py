"""Geographic scope: the one place that decides which provinces and townships a user may see."""

from django.db.models import Q, QuerySet

from landreg.roles import access_of


def province_ids_in_scope(user) -> set[int] | None:
    """The provinces a user may see; None means all of them (national users, superusers). Read with the user's
    roles in one query a request (landreg.roles.access_of)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    access = access_of(user)
    if not access.has_scope:  # no scope was ever given
        return set()
    if access.national:
        return None
    return set(access.province_ids)


def township_ids_in_scope(user) -> set[int] | None:
    """Townships a user is limited to, or None when the user sees every township of their provinces."""
    if not user.is_authenticated or user.is_superuser:
        return None
    access = access_of(user)
    if not access.has_scope:
        return None
    return set(access.township_ids) or None


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
