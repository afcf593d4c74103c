"""Writes for users, roles and scope."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from landreg.models import UserScope
from landreg.roles import ALL_ROLES, ROLE_PERMISSIONS


@transaction.atomic
def roles_sync() -> None:
    """Create the role groups and give each exactly the permissions ROLE_PERMISSIONS lists."""
    for role in ALL_ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = ROLE_PERMISSIONS[role]
        if wanted == ["*"]:
            perms = Permission.objects.all()
        else:
            perms = []
            for name in wanted:
                app_label, codename = name.split(".")
                perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(perms)


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    roles: list[str],
    provinces=(),
    townships=(),
    national: bool = False,
    is_superuser: bool = False,
    **fields,
):
    """A user with roles and a geographic scope. Staff status lets them use the admin."""
    user = get_user_model().objects.create_user(
        username=username, password=password, is_staff=True, is_superuser=is_superuser, **fields
    )
    user.groups.set(Group.objects.filter(name__in=roles))
    scope = UserScope.objects.create(user=user, national=national)
    scope.provinces.set(provinces)
    scope.townships.set(townships)
    return user
