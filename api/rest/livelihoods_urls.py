"""REST API v1: livelihoods (api/rest/livelihoods.py), under /api/v1/livelihoods/."""

from django.urls import path

from api.rest import livelihoods as views

urlpatterns = [
    path("livelihoods/opportunities/", views.OpportunitiesView.as_view(), name="livelihoods-opportunities"),
    path("livelihoods/opportunities/<int:pk>/", views.OpportunityView.as_view(), name="livelihoods-opportunity"),
    path(
        "livelihoods/opportunities/<int:pk>/close/",
        views.OpportunityCloseView.as_view(),
        name="livelihoods-opportunity-close",
    ),
    path(
        "livelihoods/opportunities/<int:pk>/people/",
        views.PeopleRankedView.as_view(),
        name="livelihoods-opportunity-people",
    ),
    path(
        "livelihoods/people/<int:pk>/opportunities/",
        views.OpportunitiesRankedView.as_view(),
        name="livelihoods-person-opportunities",
    ),
    path("livelihoods/people/<int:pk>/profile/", views.ProfileView.as_view(), name="livelihoods-profile"),
    path("livelihoods/referrals/", views.ReferralsView.as_view(), name="livelihoods-referrals"),
    path("livelihoods/referrals/<int:pk>/", views.ReferralView.as_view(), name="livelihoods-referral"),
    path("livelihoods/referrals/<int:pk>/steps/", views.ReferralStepView.as_view(), name="livelihoods-referral-step"),
    path(
        "livelihoods/referrals/<int:pk>/attendance/",
        views.AttendanceView.as_view(),
        name="livelihoods-referral-attendance",
    ),
    path("livelihoods/attendance/<int:pk>/pay/", views.AttendancePayView.as_view(), name="livelihoods-attendance-pay"),
    path("livelihoods/payments-due/", views.PaymentsDueView.as_view(), name="livelihoods-payments-due"),
    path("livelihoods/survey-rounds/", views.SurveyRoundsView.as_view(), name="livelihoods-survey-rounds"),
    path("livelihoods/survey-rounds/due/", views.SurveyRoundsDueView.as_view(), name="livelihoods-survey-rounds-due"),
    path("livelihoods/occupations/", views.OccupationsView.as_view(), name="livelihoods-occupations"),
    path("livelihoods/imports/", views.ImportsView.as_view(), name="livelihoods-imports"),
    path("livelihoods/forms/<str:form>.xlsx", views.xlsform_download, name="livelihoods-xlsform"),
]
