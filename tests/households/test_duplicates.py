"""Possible duplicates are flagged at registration; the officer decides."""

import datetime

from households.models import DuplicateFlag
from households.services import duplicate_decide


def head(name, father, dob, **ids):
    return {"name": name, "father_name": father, "sex": "m", "date_of_birth": dob, **ids}


def test_the_same_tazkira_number_is_flagged_even_typed_differently(make_household):
    first = make_household(head=head("Abdul Rahman", "Gul Agha", None, tazkira="1400-0101-23456"))
    second = make_household(head=head("Zabihullah", "Noor", None, tazkira="۱۴۰۰ ۰۱۰۱ ۲۳۴۵۶"))
    flag = DuplicateFlag.objects.get(household=second)
    assert (flag.candidate, flag.reason, flag.similarity) == (first, "same_tazkira", 1.0)


def test_a_similar_head_name_father_and_birth_date_is_flagged(make_household):
    dob = datetime.date(1980, 3, 21)
    first = make_household(head=head("Mohammad Nabi", "Abdul Ghafoor", dob))
    second = make_household(head=head("Mohammad Nabee", "Abdul Ghafoor", dob))
    flag = DuplicateFlag.objects.get(household=second)
    assert flag.candidate == first and flag.reason == "similar_head" and 0.6 <= flag.similarity < 1


def test_different_people_are_not_flagged(make_household):
    dob = datetime.date(1980, 3, 21)
    make_household(head=head("Mohammad Nabi", "Abdul Ghafoor", dob))
    make_household(head=head("Shir Agha", "Wali Mohammad", dob))
    make_household(head=head("Mohammad Nabi", "Abdul Ghafoor", datetime.date(1991, 1, 1)))
    assert not DuplicateFlag.objects.exists()


def test_the_officers_decision_is_recorded(make_household, users):
    make_household(head=head("A", "B", None, tazkira="77"))
    second = make_household(head=head("C", "D", None, tazkira="77"))
    flag = duplicate_decide(
        flag=second.duplicate_flags.get(),
        decision="different",
        by=users["officer_nangarhar"],
        note="Cousins with a clerical error on the tazkira",
    )
    flag.refresh_from_db()
    assert (flag.decision, flag.decided_by, flag.decision_note[:7]) == (
        "different",
        users["officer_nangarhar"],
        "Cousins",
    )


def test_a_pair_is_asked_about_once_whichever_household_is_checked_again(make_household, users):
    from households.services import person_add

    first = make_household(head=head("Shir Agha", "Gul Mohammad", datetime.date(1979, 6, 1)))
    second = make_household(head=head("Sher Agha", "Gul Muhammad", datetime.date(1979, 6, 1)))
    flag = DuplicateFlag.objects.get()
    duplicate_decide(flag=flag, decision="same_household", by=users["officer_nangarhar"])
    # The first household is checked again when a member is added: the pair is not asked about a second time.
    person_add(household=first, by=users["officer_nangarhar"], relationship="child", name="Zarmina", sex="f")
    assert list(DuplicateFlag.objects.values_list("household", "candidate")) == [(second.pk, first.pk)]
