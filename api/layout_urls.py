"""URLs of the layout import API, under /api/v1/layout-imports/."""

from rest_framework.routers import SimpleRouter

from api.layout_imports import LayoutImportViewSet

router = SimpleRouter()
router.register("", LayoutImportViewSet, basename="layout-import")

urlpatterns = router.urls
