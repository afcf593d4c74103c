"""URLs of the partner exports, under /api/v1/partner/."""

from django.urls import path

from api import partner_exports

urlpatterns = [
    path("exports/<slug:dataset>.csv", partner_exports.PartnerExportView.as_view(), name="partner-export"),
]
