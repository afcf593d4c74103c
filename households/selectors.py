"""Reads of households and people, always for a requesting user, so scope and logging apply in one place."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from households.models import Household
from landreg.access_log import log_personal_data_access
from landreg.roles import PERSONAL_DATA_ROLES, has_role
from landreg.scope import filter_by_scope


def households_visible_to(user) -> QuerySet[Household]:
    """The households a user may see: by role (personal data) and by province in scope."""
    if not has_role(user, *PERSONAL_DATA_ROLES):
        return Household.objects.none()
    return filter_by_scope(Household.objects.all(), user, province_field="province")


def household_get(user, *, pk: int, where: str = "") -> Household:
    """One household with its members; the view is logged. Raises Household.DoesNotExist outside scope."""
    household = households_visible_to(user).prefetch_related("members").get(pk=pk)
    log_personal_data_access(user=user, action="view", what="households.Household", ids=[household.pk], where=where)
    return household


def households_list(user, *, where: str = "") -> QuerySet[Household]:
    if not has_role(user, *PERSONAL_DATA_ROLES):
        raise PermissionDenied("Your role does not give access to household records.")
    return households_visible_to(user)


# --- search ------------------------------------------------------------------------------------------------------

# Name search: a member whose name key holds a part at least this similar to the key of what was typed (pg_trgm
# word similarity), or whose name contains it as typed.
NAME_SEARCH_SIMILARITY = 0.6


def households_search(
    user, *, text: str = "", father_name: str = "", phone: str = "", tazkira: str = "", where: str = ""
) -> QuerySet[Household]:
    """Households in the user's scope matching every criterion given: text (a household code, or the name of any
    member, in Latin or Arabic script, spelling variants included), the father's name of a member, a member's phone
    (its last nine digits) and a tazkira number (the same keyed hash, so an exact match).

    The search is logged with what was searched for, but no digits of a tazkira or phone number; the households
    listed are logged by the caller with the page it shows."""
    from django.contrib.postgres.search import TrigramWordSimilarity
    from django.db.models import Exists, OuterRef, Q
    from django.db.models.functions import Right

    from households.identity import id_number_hash, phone_search_key
    from households.models import Person

    households = households_list(user, where=where)
    members = Person.objects.filter(household=OuterRef("pk"))
    kinds = []

    def named(field: str, typed: str):
        """Members whose name (field "name" or "father_name", in either script) contains what was typed, or whose
        key is similar to its key."""
        found = Q(**{f"{field}__icontains": typed}) | Q(**{f"{field}_local__icontains": typed})
        key = name_key(typed)
        if not key:
            return members.filter(found)
        latin, local = (
            ("name_key", "local_name_key") if field == "name" else ("father_name_key", "local_father_name_key")
        )
        # word similarity: what was typed may be a part of the name ("Zainab" of "Bibi Zainab")
        keyed = members.alias(latin=TrigramWordSimilarity(key, latin), local=TrigramWordSimilarity(key, local))
        return keyed.filter(found | Q(latin__gte=NAME_SEARCH_SIMILARITY) | Q(local__gte=NAME_SEARCH_SIMILARITY))

    if text:
        households = households.filter(Q(code__icontains=text) | Exists(named("name", text)))
        kinds.append(f"code or name “{text[:60]}”")
    if father_name:
        households = households.filter(Exists(named("father_name", father_name)))
        kinds.append(f"father's name “{father_name[:60]}”")
    if phone:
        last9 = phone_search_key(phone)
        phones = members.annotate(last9=Right("phone", 9)).filter(last9=last9) if len(last9) == 9 else members.none()
        households = households.filter(Exists(phones))
        kinds.append("phone number")
    if tazkira:
        digest = id_number_hash(tazkira)
        households = households.filter(Exists(members.filter(tazkira_hash=digest))) if digest else households.none()
        kinds.append("tazkira number")
    if kinds:
        log_personal_data_access(
            user=user, action="list", what="households.Person", ids=[], where=f"{where} search by {', '.join(kinds)}"
        )
    return households


def name_key(text: str) -> str:
    """The key the database derives from a name (households_name_key, households/sql/0004)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT households_name_key(%s)", [text])
        return cursor.fetchone()[0]


# --- a possible duplicate, side by side ---------------------------------------------------------------------------


def duplicate_pair(user, *, household: Household, flag_id: int, where: str = ""):
    """A possible duplicate flagged on or against a household the user sees, with the other household, for
    deciding side by side: (flag, other household's id). Raises DuplicateFlag.DoesNotExist when the flag names
    neither this household, or when the other household is outside the user's provinces (it is then not named;
    OUTSIDE_SCOPE says whom to ask). Both are logged as viewed."""
    from django.db.models import Q

    from households.models import DuplicateFlag

    flag = DuplicateFlag.objects.filter(Q(household=household) | Q(candidate=household)).get(pk=flag_id)
    other = flag.candidate_id if flag.household_id == household.pk else flag.household_id
    if not households_visible_to(user).filter(pk=other).exists():
        raise DuplicateFlag.DoesNotExist
    log_personal_data_access(
        user=user, action="view", what="households.Household", ids=[flag.household_id, flag.candidate_id], where=where
    )
    return flag, other
