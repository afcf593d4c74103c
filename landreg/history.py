"""The base of every history event table: who changed a land record, from Django or any other client."""

import pghistory
import pghistory.models
from django.db import models


class HistoryEvent(pghistory.models.Event):
    # Filled by the database, so an edit from QGIS or psql names the role that made it.
    pgh_db_role = models.TextField(
        db_default=models.Func(template="CURRENT_USER", output_field=models.TextField()),
        editable=False,
        help_text="Database role that made the change (landreg for the application).",
    )

    class Meta:
        abstract = True


def track_history(model_class):
    """Record every insert, update and delete of a land record in <Model>Event, by database trigger."""
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        model_name=f"{model_class.__name__}Event",
        obj_field=pghistory.ObjForeignKey(related_name="history_events", db_constraint=False),
    )(model_class)


def history_of(obj) -> list[dict]:
    """An object's history, oldest first: when, what happened, who (app user and database role), what changed."""
    from django.contrib.auth import get_user_model

    event_model = obj.__class__.history_events.field.model  # the generated <Model>Event
    events = list(event_model.objects.filter(pgh_obj_id=obj.pk).select_related("pgh_context").order_by("pgh_id"))
    tracked = [f.attname for f in obj._meta.concrete_fields]
    user_ids = {(e.pgh_context.metadata or {}).get("user") for e in events if e.pgh_context_id and e.pgh_context} - {
        None
    }
    users = {u.pk: u.get_username() for u in get_user_model().objects.filter(pk__in=user_ids)}
    rows, previous = [], None
    for e in events:
        values = {name: getattr(e, name, None) for name in tracked}
        changed = sorted(
            name for name in tracked if previous is not None and str(previous.get(name)) != str(values.get(name))
        )
        metadata = (e.pgh_context.metadata if e.pgh_context_id and e.pgh_context else None) or {}
        rows.append(
            {
                "at": e.pgh_created_at,
                "action": e.pgh_label,
                "user": users.get(metadata.get("user"), ""),
                "url": metadata.get("url", ""),
                "db_role": e.pgh_db_role,
                "changed": changed,
            }
        )
        previous = values
    return rows
