"""The admin's map widget, with OpenLayers served from our static files and no internet basemap by default."""

from django.conf import settings
from django.contrib.gis.forms.widgets import OSMWidget


class LocalMapWidget(OSMWidget):
    """Province outlines as the background (offline); an XYZ basemap only if LANDREG_BASEMAP_URL is set."""

    template_name = "gis/landreg-openlayers.html"
    default_lon = 66.0
    default_lat = 34.0
    default_zoom = 6

    class Media:
        extend = False  # replace GeoDjango's CDN links instead of adding to them
        css = {"all": ("vendor/ol/ol.css", "gis/css/ol3.css")}
        js = ("vendor/ol/ol.js", "gis/js/OLMapWidget.js")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["basemap_url"] = settings.LANDREG_BASEMAP_URL
        return context
