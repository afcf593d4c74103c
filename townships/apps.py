from django.apps import AppConfig


class TownshipsConfig(AppConfig):
    name = "townships"
    verbose_name = "Townships, blocks and plots"

    def ready(self):
        from landreg import cleanup
        from townships.layouts import layout_files_clean

        cleanup.register(layout_files_clean)  # layout files kept for a dry run (`manage.py clean_imports`)
