from django.apps import AppConfig


class LandregConfig(AppConfig):
    name = "landreg"
    verbose_name = "Roles, scope and history"
