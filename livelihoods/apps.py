from django.apps import AppConfig


class LivelihoodsConfig(AppConfig):
    name = "livelihoods"
    verbose_name = "Livelihoods and reintegration"
