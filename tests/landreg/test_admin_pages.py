"""Every admin page opens: lists, add forms and change forms, with data in them. No 500s."""

from django.contrib import admin
from django.urls import reverse

from allocations.services import allocation_propose


def test_every_admin_list_and_form_opens(client, users, plots, make_household):
    allocation_propose(household=make_household(), plot=plots[0], proposed_by=users["officer_nangarhar"])
    client.force_login(users["admin"])
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        listing = client.get(reverse(f"admin:{info[0]}_{info[1]}_changelist"))
        assert listing.status_code == 200, f"{info}: {listing.status_code}"
        if model_admin.has_add_permission(listing.wsgi_request):
            assert client.get(reverse(f"admin:{info[0]}_{info[1]}_add")).status_code == 200, info
        obj = model._default_manager.first()
        if obj is not None:
            change = client.get(reverse(f"admin:{info[0]}_{info[1]}_change", args=[obj.pk]))
            assert change.status_code == 200, f"{info} change: {change.status_code}"
