"""REST v1 endpoints for letters and deeds."""

from django.urls import path

from api import documents

urlpatterns = [
    path("allocations/<int:pk>/documents/", documents.AllocationDocumentsView.as_view(), name="allocation-documents"),
    path("documents/<str:number>/", documents.DocumentView.as_view(), name="document-detail"),
    path("documents/<str:number>/pdf/", documents.DocumentPdfView.as_view(), name="document-pdf"),
]
