from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = "Township planning"

    def ready(self):
        from landreg import cleanup
        from planning.draft_services import drafts_clean

        cleanup.register(drafts_clean)  # records of layout drafts never imported (`manage.py clean_imports`)
