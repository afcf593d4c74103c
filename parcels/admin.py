"""Admin for the land bank and reference areas: each scoped to the user's provinces, as the API is."""

from django.contrib import admin
from django.db.models import Q

from landreg.admin import LandregAdmin
from landreg.scope import filter_by_scope, province_ids_in_scope
from parcels.models import AdminArea, CrossingPoint, LandParcel
from parcels.selectors import imagery_visible_to


@admin.register(AdminArea)
class AdminAreaAdmin(LandregAdmin):
    list_display = ["pcode", "name_en", "name_prs", "name_ps", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["pcode", "name_en", "name_prs", "name_ps"]

    def visible_to(self, user):
        # The provinces in scope and their districts; through LandregAdmin this also bounds every province and
        # district choice (a township's, a parcel's, a user scope's), so no one files a record in another province.
        provinces = province_ids_in_scope(user)
        areas = AdminArea.objects.select_related("parent")
        if provinces is None:
            return areas
        return areas.filter(Q(pk__in=provinces) | Q(parent__in=provinces))


@admin.register(LandParcel)
class LandParcelAdmin(LandregAdmin):
    list_display = ["reference", "name", "province", "legal_status"]
    list_filter = ["legal_status", "province"]
    search_fields = ["reference", "name"]

    def visible_to(self, user):
        return filter_by_scope(LandParcel.objects.select_related("province"), user, province_field="province")


@admin.register(CrossingPoint)
class CrossingPointAdmin(LandregAdmin):
    """Reference data that everyone sees. An administrator corrects a position here, with its source and precision;
    the point is then marked as corrected, and loading the shipped file again (load_provinces) leaves it alone."""

    list_display = ["name_en", "code", "province", "neighbouring_country", "main", "official", "precision_km"]
    list_filter = ["main", "official", "kind", "neighbouring_country"]
    search_fields = ["code", "name_en", "name_prs", "name_ps"]
    readonly_fields = ["corrected_at"]

    def save_model(self, request, obj, form, change):
        from django.utils import timezone  # noqa: PLC0415

        if change:
            obj.corrected_at = timezone.now()
        super().save_model(request, obj, form, change)


# --- Imagery: an administrator uploads a GeoTIFF; it is stored as a cloud-optimised GeoTIFF (parcels.services) ---

from django import forms  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402

from parcels.models import Imagery  # noqa: E402
from parcels.services import ImageryError, imagery_import  # noqa: E402


class ImageryUploadForm(forms.ModelForm):
    geotiff = forms.FileField(
        label="GeoTIFF",
        help_text="A drone orthophoto or satellite scene with its coordinate reference system. It is converted to a "
        "cloud-optimised GeoTIFF and served as map tiles by this server.",
    )
    crs = forms.CharField(
        required=False, label="CRS, if the file declares none", help_text="For example EPSG:32642 (UTM zone 42N)."
    )

    class Meta:
        model = Imagery
        fields = ["name", "province", "source", "captured_on"]

    def clean_geotiff(self):
        upload = self.cleaned_data["geotiff"]
        limit = settings.LANDREG_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise ValidationError(f"The file is {upload.size // 2**20} MB; the limit is {limit // 2**20} MB.")
        return upload

    def clean(self):
        data = super().clean()
        upload = data.get("geotiff")
        if upload is None or self.errors:
            return data
        path = upload.temporary_file_path() if hasattr(upload, "temporary_file_path") else None
        if path is None:  # small uploads stay in memory; rasterio needs a path
            import tempfile  # noqa: PLC0415

            handle = tempfile.NamedTemporaryFile(suffix=".tif")  # noqa: SIM115 - closed in save_model
            for chunk in upload.chunks():
                handle.write(chunk)
            handle.flush()
            self._spool, path = handle, handle.name
        try:
            self.imported = imagery_import(
                source_path=path,
                name=data.get("name", ""),
                province=data.get("province"),
                source=data.get("source", ""),
                captured_on=data.get("captured_on"),
                by=getattr(self, "uploaded_by", None),
                crs=data.get("crs", ""),
            )
        except ImageryError as error:
            raise ValidationError({"geotiff": str(error)}) from None
        finally:
            if hasattr(self, "_spool"):
                self._spool.close()
        return data


class ImageryEditForm(forms.ModelForm):
    class Meta:
        model = Imagery
        fields = ["name", "province", "source", "captured_on"]


@admin.register(Imagery)
class ImageryAdmin(LandregAdmin):
    list_display = ["name", "province", "source", "captured_on", "resolution_m", "maxzoom", "size_bytes"]
    list_filter = ["province"]
    search_fields = ["name", "source"]
    readonly_fields = ["source_crs", "resolution_m", "maxzoom", "size_bytes", "uploaded_by", "uploaded_at"]

    def visible_to(self, user):
        return imagery_visible_to(user)  # as the tiles are served: a scene without a province is everyone's

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = ImageryEditForm if obj is not None else ImageryUploadForm
        form = super().get_form(request, obj, change=change, **kwargs)
        form.uploaded_by = request.user
        return form

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "province", "source", "captured_on", "geotiff", "crs"]
        return ["name", "province", "source", "captured_on", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        # The upload form's clean() already converted and saved the scene; adopt it so the admin redirects to it.
        obj.pk = form.imported.pk
        obj.__dict__.update({k: v for k, v in form.imported.__dict__.items() if not k.startswith("_")})
