"""The shelter on a plot and a township's shelter completion, for the map's plot panel and the dashboard."""

from django.db.models import Count
from django.utils.translation import gettext as _

from shelters.models import ShelterProject, Stage
from shelters.selectors import stage_name


def _open_projects():
    return ShelterProject.objects.exclude(status=ShelterProject.Status.CANCELLED)


def plot_shelter(plot) -> dict | None:
    """{'stage': code, 'label': text, 'completed': bool} for the plot's shelter project, or None without one."""
    project = _open_projects().filter(plot_id=plot.pk).select_related("stage_reached").order_by("-pk").first()
    if project is None:
        return None
    if project.stage_reached is None:
        return {"stage": "not_started", "label": _("Not started"), "completed": False}
    return {
        "stage": project.stage_reached.code,
        "label": stage_name(project.stage_reached),
        "completed": project.status == ShelterProject.Status.COMPLETED,
    }


def township_shelter_completion(township) -> dict | None:
    """{'projects': n, 'completed': n, 'by_stage': [(label, n), …] in stage order} for a township, or None."""
    projects = _open_projects().filter(plot__township_id=township.pk)
    counts = dict(projects.values_list("stage_reached").annotate(n=Count("id")).order_by())
    if not counts:
        return None
    by_stage = [(_("Not started"), counts.pop(None))] if None in counts else []
    for stage in Stage.objects.filter(pk__in=counts).order_by("programme_id", "position"):
        by_stage.append((stage_name(stage), counts[stage.pk]))
    return {
        "projects": sum(n for _label, n in by_stage),
        "completed": projects.filter(status=ShelterProject.Status.COMPLETED).count(),
        "by_stage": by_stage,
    }
