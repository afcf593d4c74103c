"""landreg's login and logout (the admin keeps its own login for administrators)."""

from django.urls import path

from webmap.accounts import views as account_views

urlpatterns = [
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", account_views.LogoutView.as_view(), name="logout"),
]
