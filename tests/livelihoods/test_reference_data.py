"""The shipped ISCO-08 and ISIC Rev.4 lists: the whole structure, each group under its parent, labels marked for
review where no Dari or Pashto title is given."""

from collections import Counter

from livelihoods.models import IscoOccupation, IsicActivity


def test_isco_08_has_its_published_structure(db):
    levels = Counter(IscoOccupation.objects.values_list("level", flat=True))
    assert levels == {1: 10, 2: 43, 3: 130, 4: 436}


def test_every_isco_group_lies_under_the_group_its_code_starts_with(db):
    for code, parent in IscoOccupation.objects.exclude(level=1).values_list("code", "parent_id"):
        assert parent == code[:-1]


def test_a_group_without_dari_and_pashto_titles_is_marked_for_review(db):
    missing = IscoOccupation.objects.filter(title_prs="") | IscoOccupation.objects.filter(title_ps="")
    assert missing.exists() and not missing.filter(needs_review=False).exists()
    assert IscoOccupation.objects.get(code="7115").title_ps == "ترکاڼ"


def test_isic_rev4_has_its_whole_structure(db):
    levels = Counter(IsicActivity.objects.values_list("level", flat=True))
    assert levels == {"section": 21, "division": 88, "group": 238, "class": 419}
    assert IsicActivity.objects.get(code="43").parent_id == "F"
    assert IsicActivity.objects.get(code="4330").parent.parent_id == "43"
