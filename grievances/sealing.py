"""Sealing of sensitive grievances' descriptions and notes at rest: Fernet tokens under GRIEVANCE_KEYS (newest
first; the newest seals, every one opens). How the keys are generated, kept in escrow and rotated:
docs/grievances.md, "The key"."""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _fernet() -> MultiFernet:
    keys = settings.GRIEVANCE_KEYS
    if not keys:
        raise ImproperlyConfigured("GRIEVANCE_KEYS is empty: sensitive grievances cannot be sealed or opened.")
    try:
        return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            "GRIEVANCE_KEYS holds a key that is not a Fernet key (32 url-safe base64-encoded bytes)."
        ) from None


def seal(text: str) -> bytes:
    """The text as a Fernet token under the newest key."""
    return _fernet().encrypt(text.encode("utf-8"))


def unseal(token) -> str:
    """The clear text of a token sealed under any of the keys; ImproperlyConfigured when none opens it (the key
    that sealed it is gone from GRIEVANCE_KEYS)."""
    try:
        return _fernet().decrypt(bytes(token)).decode("utf-8")
    except InvalidToken:
        raise ImproperlyConfigured(
            "A sealed grievance text cannot be opened with GRIEVANCE_KEYS: the key that sealed it is missing."
        ) from None


def reseal(token) -> bytes:
    """The token sealed again under the newest key (rotation); the same text."""
    try:
        return _fernet().rotate(bytes(token))
    except InvalidToken:
        raise ImproperlyConfigured(
            "A sealed grievance text cannot be opened with GRIEVANCE_KEYS: the key that sealed it is missing."
        ) from None


def sealed_under_newest(token) -> bool:
    """Whether the newest key opens the token (so rotation can skip it)."""
    keys = settings.GRIEVANCE_KEYS
    try:
        Fernet(keys[0].encode() if isinstance(keys[0], str) else keys[0]).decrypt(bytes(token))
    except InvalidToken:
        return False
    return True


def texts_by_key() -> tuple[int, int]:
    """How many sealed texts (descriptions and notes) the newest key opens, and how many only an older one does."""
    from grievances.models import Grievance, GrievanceStep

    newest = older = 0
    tokens = Grievance.objects.exclude(description_sealed=None).values_list("description_sealed", flat=True)
    notes = GrievanceStep.objects.exclude(note_sealed=None).values_list("note_sealed", flat=True)
    for queryset in (tokens, notes):
        for token in queryset.iterator():
            if sealed_under_newest(token):
                newest += 1
            else:
                older += 1
    return newest, older


def reseal_all(*, batch: int = 500) -> tuple[int, int]:
    """Seal every description and note again under the newest key (those not yet under it), in transactions of
    `batch` rows. Returns (descriptions, notes) re-sealed. Steps are append-only: the database lets this one
    change through because the transaction says so (landreg.grievance_reseal) and only the token changes."""
    from django.db import connection, transaction

    from grievances.models import Grievance, GrievanceStep

    counts = []
    for model, field in ((Grievance, "description_sealed"), (GrievanceStep, "note_sealed")):
        done, last = 0, 0
        while True:
            with transaction.atomic():
                rows = list(
                    model.objects.select_for_update()
                    .filter(pk__gt=last)
                    .exclude(**{field: None})
                    .order_by("pk")
                    .values_list("pk", field)[:batch]
                )
                if not rows:
                    break
                if model is GrievanceStep:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT set_config('landreg.grievance_reseal', 'on', true)")
                for pk, token in rows:
                    if not sealed_under_newest(token):
                        model.objects.filter(pk=pk).update(**{field: reseal(token)})
                        done += 1
                last = rows[-1][0]
                if model is GrievanceStep:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT set_config('landreg.grievance_reseal', '', true)")
        counts.append(done)
    return counts[0], counts[1]
