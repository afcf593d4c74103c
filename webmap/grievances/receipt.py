"""The acknowledgement receipt a complainant takes home: the reference large and readable over the phone, when it was
received, the deadlines the office works to, and where to check the status. In English, Dari or Pashto.

Rendered by WeasyPrint (HarfBuzz shapes Dari and Pashto) as the allocation letters are (allocations/document_pdf.py);
nothing is fetched from the internet. The complainant's words are printed as text (the template escapes them), and
never for a sensitive grievance: a receipt can be found by others, so it then names neither the category nor what
was said."""

import unicodedata

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from grievances.models import Grievance
from landreg.calendar import RTL_LANGUAGES, gregorian_date, shamsi_date, shamsi_datetime

# The receipt's wording, one column per language (the Pashto is to be reviewed by a native speaker).
WORDING = {
    "ministry": {
        "en": "Ministry of Refugees and Repatriation",
        "fa": "وزارت امور مهاجرین و عودت کنندگان",
        "ps": "د کډوالو او راستنېدونکو چارو وزارت",
    },
    "title": {"en": "Grievance receipt", "fa": "رسید شکایت", "ps": "د شکایت رسید"},
    "reference": {"en": "Your reference", "fa": "شماره مراجعه شما", "ps": "ستاسو د مراجعې شمېره"},
    "keep": {
        "en": "Keep this reference. Give it when you call or visit us, or type it on the status page to see what has "
        "been done. Nobody else can see your complaint with it.",
        "fa": "این شماره را نگه دارید. هنگام تماس یا مراجعه آن را بگویید، یا در صفحه وضعیت وارد کنید تا ببینید چه "
        "اقدامی شده است. هیچ کس دیگری با این شماره شکایت شما را دیده نمی‌تواند.",
        "ps": "دا شمېره وساتئ. کله چې زنګ وهئ یا راځئ ووایاست یې، یا یې د حالت په پاڼه کې ولیکئ ترڅو وګورئ چې څه "
        "شوي دي. بل څوک پرې ستاسو شکایت نشي لیدلی.",
    },
    "status_page": {"en": "Status page", "fa": "صفحه وضعیت", "ps": "د حالت پاڼه"},
    "received": {"en": "Received", "fa": "تاریخ دریافت", "ps": "د ترلاسه کېدو نېټه"},
    "channel": {"en": "How it came in", "fa": "طریقه ثبت", "ps": "د راتګ لاره"},
    "category": {"en": "About", "fa": "موضوع", "ps": "موضوع"},
    "confidential": {
        "en": "Confidential: only the responsible focal point reads it.",
        "fa": "محرم: تنها مسئول رسیدگی آن را می‌خواند.",
        "ps": "محرم: یوازې مسؤل کس یې لولي.",
    },
    "acknowledge_by": {
        "en": "We will acknowledge it by",
        "fa": "تا این تاریخ تصدیق می‌شود",
        "ps": "تر دې نېټې تایید کېږي",
    },
    "answer_by": {"en": "We will answer by", "fa": "تا این تاریخ جواب داده می‌شود", "ps": "تر دې نېټې ځواب ورکول کېږي"},
    "what_you_said": {"en": "What you told us", "fa": "آنچه شما گفتید", "ps": "هغه څه چې تاسو وویل"},
    "received_by": {"en": "Received by", "fa": "دریافت کننده", "ps": "ترلاسه کوونکی"},
    "anonymous": {
        "en": "Made anonymously: no name is recorded.",
        "fa": "به شکل بی‌نام ثبت شده: هیچ نامی ثبت نشده است.",
        "ps": "بې نومه ثبت شوی: هیڅ نوم نه دی ثبت شوی.",
    },
    "signature": {"en": "Officer's signature", "fa": "امضای مامور", "ps": "د مامور لاسلیک"},
    "shamsi_suffix": {"en": "", "fa": "هـ ش", "ps": "لمریز"},
}
# What the receipt prints of the description at most (the whole text stays in the record).
DESCRIPTION_MAX = 1200


def wording(language: str) -> dict[str, str]:
    return {key: texts[language] for key, texts in WORDING.items()}


def _label(choices, value, language: str) -> str:
    with translation.override(language):
        return str(choices(value).label) if value else ""


def _day(moment, language: str) -> str:
    return (
        f"{shamsi_date(timezone.localdate(moment), language)} ({gregorian_date(timezone.localdate(moment), language)})"
    )


def text_direction(text: str) -> str:
    """The direction of a text by its first strong character (what dir="auto" does in a browser, which WeasyPrint
    does not): a complaint typed in English reads left to right on a Dari receipt, and the reverse."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return "auto"


def status_page_url() -> str:
    return settings.LANDREG_PUBLIC_URL.rstrip("/") + reverse("grievance-status")


def receipt_pdf(*, grievance: Grievance, language: str, description: str | None) -> bytes:
    """The receipt of one grievance in one language. `description` is the clear text the caller may read (None when
    sealed); it is printed only for a grievance that is not sensitive."""
    g = grievance
    words = wording(language)
    rtl = language in RTL_LANGUAGES
    text = (description or "").strip() if not g.sensitive else ""
    if len(text) > DESCRIPTION_MAX:
        text = text[:DESCRIPTION_MAX].rstrip() + " …"
    context = {
        "language": language,
        "direction": "rtl" if rtl else "ltr",
        "start": "right" if rtl else "left",
        "end": "left" if rtl else "right",
        "w": words,
        "reference": g.reference,
        # Spaced for reading aloud: G - 7 K 2 M - ...; the reference itself is printed once more, plain, below.
        "reference_spoken": " ".join(g.reference),
        "received": shamsi_datetime(g.received_at, language),
        "received_day": _day(g.received_at, language),
        "channel": _label(Grievance.Channel, g.channel, language),
        "category": "" if g.sensitive else _label(Grievance.Category, g.category, language),
        "sensitive": g.sensitive,
        "anonymous": g.anonymous,
        "acknowledge_by": _day(g.acknowledge_due, language) if g.acknowledge_due else "—",
        "answer_by": _day(g.resolve_due, language) if g.resolve_due else "—",
        "description": text,
        "description_dir": text_direction(text),
        "received_by": (g.received_by.get_full_name() or g.received_by.username) if g.received_by_id else "",
        "status_url": status_page_url(),
    }
    html = render_to_string("webmap/grievances/receipt_pdf.html", context)
    return weasyprint.HTML(string=html).write_pdf()
