"""The shelter stage of a plot and a township's shelter completion, read defensively: the shelters app is being
built alongside the map, so until it has projects (or a selector for them) these answer None and the map shows
a placeholder instead of failing."""

from django.apps import apps
from django.core.exceptions import FieldError
from django.utils.translation import gettext as _

# The attribute names a shelter project's current stage may have, in the order they are tried.
_STAGE_FIELDS = ("stage_reached", "stage", "current_stage")
_COMPLETED = "completed"
_CANCELLED = "cancelled"


def _project_model():
    try:
        return apps.get_model("shelters", "ShelterProject")
    except LookupError:
        return None


def _stage_name(stage) -> str:
    try:
        from shelters.selectors import stage_name  # noqa: PLC0415 - translated names, when the app has them
    except ImportError:
        return str(stage)
    return str(stage_name(stage))


def _stage_of(project) -> tuple[str, str] | None:
    """(code, label) of the last stage the project passed; ('not_started', …) before the first."""
    if str(getattr(project, "status", "")) == _COMPLETED:
        return _COMPLETED, str(_("Completed"))
    for name in _STAGE_FIELDS:
        if not hasattr(project, name):
            continue
        value = getattr(project, name)
        if value is None:
            return "not_started", str(_("Not started"))
        if hasattr(value, "pk") and not isinstance(value, str):  # a stage row rather than a choice
            return str(getattr(value, "code", value.pk)), _stage_name(value)
        display = getattr(project, f"get_{name}_display", None)
        return str(value), str(display() if callable(display) else value)
    return None


def plot_shelter(plot) -> dict | None:
    """{'stage': code, 'label': text, 'completed': bool} for the plot's latest shelter project, or None."""
    try:
        from shelters import selectors  # noqa: PLC0415 - optional until the shelters app provides it
    except ImportError:
        selectors = None
    reader = getattr(selectors, "plot_shelter_stage", None)
    try:
        if reader is not None:
            found = reader(plot)
            if found is None:
                return None
            if isinstance(found, dict):
                return found
            stage = str(found)
            return {"stage": stage, "label": stage.replace("_", " "), "completed": stage == _COMPLETED}
        model = _project_model()
        if model is None:
            return None
        project = model.objects.filter(plot_id=plot.pk).exclude(status=_CANCELLED).order_by("-pk").first()
    except (FieldError, AttributeError, TypeError, ValueError):
        return None
    if project is None:
        return None
    stage = _stage_of(project)
    if stage is None:
        return None
    return {"stage": stage[0], "label": stage[1], "completed": stage[0] == _COMPLETED}


def township_shelter_completion(township) -> dict | None:
    """{'projects': n, 'completed': n, 'by_stage': [(label, n), …]} for a township, or None without shelters."""
    model = _project_model()
    if model is None:
        return None
    try:
        projects = list(model.objects.filter(plot__township_id=township.pk).exclude(status=_CANCELLED))
    except (FieldError, AttributeError, TypeError, ValueError):
        return None
    if not projects:
        return None
    counts: dict[tuple[str, str], int] = {}
    for project in projects:
        stage = _stage_of(project)
        if stage is not None:
            counts[stage] = counts.get(stage, 0) + 1
    completed = sum(n for (code, _label), n in counts.items() if code == _COMPLETED)
    return {
        "projects": len(projects),
        "completed": completed,
        "by_stage": [(label, n) for (_code, label), n in counts.items()],
    }
