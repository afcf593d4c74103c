from django.apps import AppConfig


class TownshipsConfig(AppConfig):
    name = "townships"
    verbose_name = "Townships, blocks and plots"
