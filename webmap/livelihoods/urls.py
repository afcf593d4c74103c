"""The livelihoods pages: opportunities, referrals, skills profiles, cash-for-work attendance and payments, survey
rounds, the township and province dashboards, and the partners' page."""

from django.urls import path

from webmap.livelihoods import views

urlpatterns = [
    path("", views.opportunity_list, name="opportunity-list"),
    path("opportunities/new/", views.opportunity_new, name="opportunity-new"),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity-detail"),
    path("opportunities/<int:pk>/edit/", views.opportunity_edit, name="opportunity-edit"),
    path("opportunities/<int:pk>/attendance/", views.attendance, name="opportunity-attendance"),
    path("refer/", views.refer, name="livelihood-refer"),
    path("referrals/<int:pk>/step/", views.referral_step, name="referral-step"),
    path("people/<int:pk>/skills/", views.skills_profile, name="skills-profile"),
    path("occupations/", views.occupation_search, name="occupation-search"),
    path("payments/", views.payments, name="payments-due"),
    path("rounds/", views.rounds_due, name="survey-rounds-due"),
    path("rounds/<int:allocation>/<slug:round>/", views.round_record, name="survey-round-record"),
    path("townships/<int:pk>/", views.township_page, name="livelihoods-township"),
    path("at-risk/", views.at_risk, name="townships-at-risk"),
    path("partner/", views.partner_page, name="partner-livelihoods"),
]
