"""The partners' page: what they may download under their data-sharing agreements."""

from django.urls import path

from webmap.partners import views as partner_views

urlpatterns = [
    path("", partner_views.partner_data, name="partner-data"),
]
