from django.apps import AppConfig


def _set_inspection_tolerance(sender, connection, **kwargs):
    """Tell the database's tranche rule the GPS tolerance Django uses, when it is not the default 30 m."""
    from django.conf import settings

    tolerance = float(settings.LANDREG_INSPECTION_TOLERANCE_M)
    if tolerance != 30 and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('landreg.inspection_tolerance_m', %s, false)", [str(tolerance)])


class SheltersConfig(AppConfig):
    name = "shelters"
    verbose_name = "Shelters"

    def ready(self):
        from django.db.backends.signals import connection_created

        connection_created.connect(_set_inspection_tolerance, dispatch_uid="shelters_inspection_tolerance")
