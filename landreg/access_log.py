"""Writes the log of views and exports of personal data (docs/domain.md, "Data responsibility")."""

from landreg.models import PersonalDataAccess


def log_personal_data_access(*, user, action: str, what: str, ids, where: str = "") -> None:
    PersonalDataAccess.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        what=what,
        object_ids=[int(i) for i in ids],
        where=where[:200],
    )
