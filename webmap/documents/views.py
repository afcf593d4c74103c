"""The public verification page of a letter or deed: anyone holding the paper can check that it stands."""

from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from allocations.documents import document_from_token, document_public_facts
from allocations.models import AllocationDocument
from landreg.calendar import gregorian_date, number_text, shamsi_date

STANDING_DARI = {"valid": "معتبر", "superseded": "جایگزین شده", "revoked": "لغو شده"}
KIND_DARI = {"letter": "مکتوب توزیع نمره زمین", "deed": "سند ملکیت نمره زمین"}
# Why a newer document replaced this one, as the page says it in each of its two languages.
REISSUE_REASON_TEXT = {
    "lost": ("reported lost", "به دلیل مفقود شدن"),
    "damaged": ("reported damaged", "به دلیل خراب شدن"),
    "corrected": ("to correct its details", "برای اصلاح معلومات آن"),
    "unrecorded": ("", ""),
}


@never_cache
@require_safe
def document_verify(request, token: str):
    """No login: shows only the standing and the plot, never the household's names or ID numbers."""
    try:
        facts = document_public_facts(document_from_token(token))
    except AllocationDocument.DoesNotExist:
        return render(request, "webmap/verify.html", {"found": False}, status=404)
    day, area = facts["issued_on"], facts["area_m2"] or 0
    because_en, because_fa = REISSUE_REASON_TEXT.get(facts["superseded_because"], ("", ""))
    with translation.override("en"):
        kind_english = str(facts["kind_label"])
    facts |= {
        "kind_label": kind_english,  # the page's English column is English whatever the browser asks for
        "superseded_because_en": because_en,
        "superseded_because_fa": because_fa,
        "standing_dari": STANDING_DARI[facts["standing"]],
        "kind_dari": KIND_DARI[facts["kind"]],
        "shamsi_en": shamsi_date(day, "en"),
        "shamsi_fa": shamsi_date(day, "fa"),
        "gregorian": gregorian_date(day, "en"),
        "area_m2_text": number_text(area, "en"),
        "area_biswa_text": number_text(area / 100, "en"),
        "area_fa": f"{number_text(area, 'fa')} متر مربع ({number_text(area / 100, 'fa')} بسوه)",
    }
    return render(request, "webmap/verify.html", {"found": True, "doc": facts})
