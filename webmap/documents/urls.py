"""Pages for issued letters and deeds: the public verification page the QR code points to."""

from django.urls import path

from webmap.documents import views as document_views

urlpatterns = [
    path("verify/<str:token>/", document_views.document_verify, name="document-verify"),
]
