"""Only administrators and GIS specialists are staff (may open the admin): officers, committee members, field
officers and partners work in landreg's own pages. Users made before this change were all staff."""

from django.conf import settings
from django.db import migrations

STAFF_ROLES = ["administrator", "gis_specialist"]


def staff_only_administrators_and_gis(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    User.objects.filter(is_staff=True, is_superuser=False).exclude(groups__name__in=STAFF_ROLES).update(is_staff=False)


class Migration(migrations.Migration):
    dependencies = [
        ("landreg", "0008_data_sharing_agreement"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    # The reverse changes nothing: who was staff before cannot be told apart afterwards, and making everyone
    # staff again would reopen the admin to them.
    operations = [migrations.RunPython(staff_only_administrators_and_gis, migrations.RunPython.noop)]
