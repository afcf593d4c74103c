from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "households"
    verbose_name = "Households"

    def ready(self):
        from households.bulk import lists_clean
        from landreg import cleanup

        cleanup.register(lists_clean)  # household lists kept for a dry run (`manage.py clean_imports`)
