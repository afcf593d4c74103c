"""The base of every history event table: who changed a land record, from Django or any other client."""

import pghistory
import pghistory.models
import pghistory.trigger
import pgtrigger
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


class _StatementEvent(pghistory.trigger.Event):
    """pghistory's event trigger, where a statement-level UPDATE pairs the old and new rows by LEFT JOIN on the
    primary key: a row whose key the statement changed has no old row of that key, and is recorded like any
    other changed row (pghistory's inner join would drop it, and an UPDATE that also changes the key would leave
    no history). A row the statement left as it was is not recorded, as with the row trigger's condition."""

    def get_func_template_kwargs(self, model):
        kwargs = super().get_func_template_kwargs(model)
        if self.level == pgtrigger.Statement and self.operation == pgtrigger.Update:
            pk = f'"{model._meta.pk.column}"'
            kwargs["cond_new_values"] = (
                f"new_values LEFT JOIN old_values ON old_values.{pk} = new_values.{pk} "
                "WHERE old_values.* IS DISTINCT FROM new_values.*"
            )
        return kwargs


class _Tracked:
    """A pghistory row-event tracker whose trigger is a _StatementEvent."""

    def add_event_trigger(self, event_model):
        pgtrigger.register(
            _StatementEvent(
                event_model=event_model,
                label=self.label,
                name=self.trigger_name,
                row=self.row,
                operation=self.operation,
                condition=self.condition,
                level=self.level,
            )
        )(event_model.pgh_tracked_model)


class _InsertEvent(_Tracked, pghistory.InsertEvent):
    pass


class _UpdateEvent(_Tracked, pghistory.UpdateEvent):
    pass


class _DeleteEvent(_Tracked, pghistory.DeleteEvent):
    pass


def track_history(model_class=None, *, per_statement: bool = False):
    """Record every insert, update and delete of a land record in <Model>Event, by database trigger.

    Used bare (`@track_history`), one trigger call per row. With `@track_history(per_statement=True)`, one call
    per statement, which copies every row it wrote from the statement's transition table in one INSERT … SELECT
    (with the context row looked up once): the same events, columns and context (the app's user and URL, or the
    database role of a QGIS or psql edit), for a fraction of the cost of a bulk write (docs/benchmarks.md)."""
    if model_class is None:
        return lambda cls: track_history(cls, per_statement=per_statement)
    level = pgtrigger.Statement if per_statement else pgtrigger.Row
    return pghistory.track(
        _InsertEvent(level=level),
        _UpdateEvent(level=level),
        _DeleteEvent(level=level),
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
