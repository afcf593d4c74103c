"""URLs of OGC API - Features (mounted at /ogc/)."""

from django.urls import path

from api import ogc

urlpatterns = [
    path("", ogc.landing, name="ogc-landing"),
    path("api", ogc.openapi, name="ogc-openapi"),
    path("conformance", ogc.conformance, name="ogc-conformance"),
    path("collections", ogc.collections, name="ogc-collections"),
    path("collections/<str:name>", ogc.collection, name="ogc-collection"),
    path("collections/<str:name>/queryables", ogc.queryables, name="ogc-queryables"),
    path("collections/<str:name>/items", ogc.items, name="ogc-items"),
    path("collections/<str:name>/items/<str:pk>", ogc.item, name="ogc-item"),
]
