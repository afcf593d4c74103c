"""URLs of OGC API - Features (mounted at /ogc/)."""

from django.urls import path

from api.ogc import items
from api.ogc.openapi import openapi

urlpatterns = [
    path("", items.landing, name="ogc-landing"),
    path("api", openapi, name="ogc-openapi"),
    path("conformance", items.conformance, name="ogc-conformance"),
    path("collections", items.collections, name="ogc-collections"),
    path("collections/<str:name>", items.collection, name="ogc-collection"),
    path("collections/<str:name>/queryables", items.queryables, name="ogc-queryables"),
    path("collections/<str:name>/items", items.items, name="ogc-items"),
    path("collections/<str:name>/items/<str:pk>", items.item, name="ogc-item"),
]
