"""Writes to households and their members. ID numbers are hashed here and never stored in clear."""

from django.db import transaction

from households.identity import id_number_hash, id_number_last4
from households.models import Household, Person


def person_set_id_numbers(person: Person, *, tazkira: str = "", por: str = "") -> None:
    person.tazkira_hash, person.tazkira_last4 = id_number_hash(tazkira), id_number_last4(tazkira)
    person.por_hash, person.por_last4 = id_number_hash(por), id_number_last4(por)


@transaction.atomic
def household_register(
    *, code: str, province, size: int, category: str, head: dict, members: list[dict] = (), registered_by=None, **fields
) -> Household:
    """Register a household with its head and members.

    head and each member are dicts of Person fields, plus optional 'tazkira' and 'por' numbers.
    """
    household = Household(
        code=code, province=province, size=size, category=category, registered_by=registered_by, **fields
    )
    household.full_clean()
    household.save()
    people = []
    for data in [{**head, "relationship": Person.Relationship.HEAD}, *members]:
        data = dict(data)
        tazkira, por = data.pop("tazkira", ""), data.pop("por", "")
        person = Person(household=household, **data)
        person_set_id_numbers(person, tazkira=tazkira, por=por)
        person.full_clean(exclude=["household"])
        people.append(person)
    Person.objects.bulk_create(people)
    return household


def persons_with_id_number(number: str):
    """Exact-duplicate search on a tazkira or PoR number, without the number ever being stored."""
    digest = id_number_hash(number)
    if not digest:
        return Person.objects.none()
    return Person.objects.filter(tazkira_hash=digest) | Person.objects.filter(por_hash=digest)
