"""Partners' hotlines refer complaints to the Ministry's complaints mechanism under their data-sharing agreement,
and follow the status of the cases they referred (docs/partners.md, "Referring complaints").

The agreement must name the referral dataset (landreg/models.py: DATASETS["grievance_referrals"]) and cover the
province of the complaint; the grievance itself is received by grievances/services.py. What comes back to the
partner is the reference, the status and its dates: never the description, the category of a sensitive case, or
anything the Ministry added."""

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _

from grievances.models import Grievance
from grievances.selectors import grievances_referred_by
from grievances.services import grievance_refer_from_partner
from landreg.sharing import agreement_for, needs_agreement
from partners.exports import province_by_pcode

REFERRALS = "grievance_referrals"
DESCRIPTION_MAX = 5000  # characters: a hotline's note of the call, not a file
LANGUAGES = tuple(Grievance.Language.values)


def _invalid(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def require_partner(user) -> None:
    """Referrals are the door of partner organisations' hotlines: every other role records complaints on the
    grievance pages and the officers' API, where their scope applies."""
    if not needs_agreement(user):  # a partner, and only a partner (a superuser is not one)
        raise PermissionDenied(
            _(
                "Referring complaints is for partner organisations' hotlines; record a complaint on the grievance "
                "pages or through /api/v1/grievances/ instead."
            )
        )


def _text(value, field: str, *, required: bool, limit: int) -> str:
    if value is None or value == "":
        if required:
            raise _invalid(field, _("%(field)s is required: write it.") % {"field": field}, "required")
        return ""
    if not isinstance(value, str):
        raise _invalid(field, _("%(field)s must be text.") % {"field": field}, "text_required")
    value = value.strip()
    if required and not value:
        raise _invalid(field, _("%(field)s is required: write it.") % {"field": field}, "required")
    if len(value) > limit:
        raise _invalid(
            field,
            _("%(field)s is longer than %(limit)s characters; shorten it.") % {"field": field, "limit": limit},
            "too_long",
        )
    return value


def _choice(value, field: str, choices, default: str | None = None) -> str:
    if value in (None, "") and default is not None:
        return default
    if not isinstance(value, str) or value not in choices:
        raise _invalid(
            field,
            _("%(field)s must be one of: %(choices)s.") % {"field": field, "choices": ", ".join(choices)},
            "choice_invalid",
        )
    return value


def _flag(value, field: str) -> bool:
    if value in (None, ""):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise _invalid(field, _("%(field)s must be true or false.") % {"field": field}, "boolean_invalid")


def _client_uuid(value) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return uuid.UUID(value)
    except ValueError:
        raise _invalid(
            "client_uuid", _("client_uuid must be a UUID your system made for this referral."), "uuid_invalid"
        ) from None


def referral_from_partner(*, by, data) -> tuple[Grievance, bool]:
    """Receive the complaint a partner's hotline refers: `data` as sent (category, description, province p-code,
    language, consent_to_share, anonymous, and client_uuid, the hotline system's id of the call, so a referral
    sent twice is recorded once). (the grievance, whether it is new). A ValidationError names the field to fix; a
    PermissionDenied says which agreement is missing."""
    require_partner(by)
    if not isinstance(data, dict):
        raise _invalid("body", _("Send the referral as a JSON object."), "body_invalid")
    client_uuid = _client_uuid(data.get("client_uuid"))
    category = _choice(data.get("category"), "category", Grievance.Category.values)
    description = _text(data.get("description"), "description", required=True, limit=DESCRIPTION_MAX)
    language = _choice(data.get("language"), "language", LANGUAGES, default="en")
    consent = _flag(data.get("consent_to_share"), "consent_to_share")
    anonymous = _flag(data.get("anonymous"), "anonymous")
    pcode = data.get("province")
    if not isinstance(pcode, str) or not pcode.strip():
        raise _invalid("province", _('Say which province, by its p-code: "AF06".'), "province_missing")
    if len(pcode) > 10:
        raise _invalid("province", _("There is no province with this p-code."), "province_unknown")
    province = province_by_pcode(pcode)
    agreement_for(by, REFERRALS, province)  # the refusal says what the agreement lacks and whom to ask
    if client_uuid is not None and (earlier := _referred_before(by, client_uuid)) is not None:
        return earlier, False
    try:
        grievance = grievance_refer_from_partner(
            by=by,
            category=category,
            description=description,
            province=province,
            language=language,
            consent_to_share=consent,
            anonymous=anonymous,
            client_uuid=client_uuid,
        )
    except IntegrityError:  # the same referral sent twice at once: the database kept one
        if client_uuid is None or (earlier := _referred_before(by, client_uuid)) is None:
            raise
        return earlier, False
    return grievance, True


def _referred_before(user, client_uuid) -> Grievance | None:
    earlier = Grievance.objects.filter(client_uuid=client_uuid).first()
    if earlier is not None and earlier.referred_by_id != user.pk:
        raise _invalid("client_uuid", _("This client_uuid was used for another record; make a new one."), "uuid_taken")
    return earlier


def referrals_of(user):
    """The cases this partner referred, newest first, as rows of the reference, the status and its dates
    (whatever the agreement today: they are the partner's own)."""
    require_partner(user)
    return grievances_referred_by(user)


def referral_of(user, reference: str) -> Grievance:
    """One case this partner referred; Grievance.DoesNotExist for any other reference, so the answer is the same
    for a case of another partner and for no case at all."""
    reference = reference.strip().upper() if isinstance(reference, str) else ""
    if len(reference) != len("G-XXXX-XXXX") or "\x00" in reference:
        raise Grievance.DoesNotExist
    return referrals_of(user).get(reference=reference)
