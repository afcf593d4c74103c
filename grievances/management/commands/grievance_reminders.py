"""manage.py grievance_reminders: escalate overdue grievances to the next role and tell them (by mail). Run by
landreg-grievance-reminders.timer (deploy/systemd/) every hour, or by cron; running it twice escalates nothing
twice (docs/grievances.md, "Reminders")."""

from django.core.management.base import BaseCommand

from grievances.services import grievances_escalate_overdue


class Command(BaseCommand):
    help = (
        "Escalate every overdue grievance to the next role (the province's grievance focal point, then the "
        "administrators) with a system step, and mail them. Each level is reached once, so running it again "
        "changes nothing."
    )

    def handle(self, *args, **options):
        escalated = grievances_escalate_overdue()
        self.stdout.write(f"{escalated} overdue grievance(s) escalated.")
