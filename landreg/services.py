"""Writes for users, roles and scope."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from landreg.models import UserScope
from landreg.roles import ADMINISTRATOR, ALL_ROLES, GIS_SPECIALIST, ROLE_PERMISSIONS

# The admin is for administrators (and GIS specialists, who edit the layout there); everybody else works in
# landreg's own pages and is not staff.
STAFF_ROLES = (ADMINISTRATOR, GIS_SPECIALIST)


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
    check_password: bool = False,
    **fields,
):
    """A user with roles and a geographic scope. Only administrators and GIS specialists are staff (may open
    the admin). With check_password, a password that fails AUTH_PASSWORD_VALIDATORS is refused (ValidationError,
    nothing written): callers that take a password from a person pass it; tests and the demo, whose passwords are
    not secrets, do not."""
    model = get_user_model()
    if "email" in fields:
        fields["email"] = model.objects.normalize_email(fields["email"])
    is_staff = is_superuser or bool(set(roles) & set(STAFF_ROLES))
    user = model(username=model.normalize_username(username), is_staff=is_staff, is_superuser=is_superuser, **fields)
    if check_password:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    user.groups.set(Group.objects.filter(name__in=roles))
    scope = UserScope.objects.create(user=user, national=national)
    scope.provinces.set(provinces)
    scope.townships.set(townships)
    return user
