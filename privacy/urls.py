from django.urls import path, re_path

from privacy import views

app_name = "privacy"
# accounts.models.new_site_key: "site_" + token_urlsafe.
SITE_KEY = r"site_[A-Za-z0-9_-]+"

urlpatterns = [
    path("dpo/", views.dpo_home, name="dpo"),
    path("dpo/subject/<uuid:public_id>/", views.subject_detail, name="subject"),
    path("dpo/subject/<uuid:public_id>/request/", views.subject_request, name="subject-request"),
    path("dpo/subject/<uuid:public_id>/export/", views.subject_export, name="subject-export"),
    path("dpo/subject/<uuid:public_id>/rectify/", views.subject_rectify, name="subject-rectify"),
    path("dpo/subject/<uuid:public_id>/restrict/", views.subject_restrict, name="subject-restrict"),
    path("dpo/subject/<uuid:public_id>/erase/", views.subject_erase, name="subject-erase"),
    path("dpo/exports/<int:pk>/", views.export_ready, name="export-ready"),
    path("exports/<int:pk>/<str:token>/", views.export_download, name="export-download"),
    path("dpa/", views.dpa_home, name="dpa"),
    path("dpa/accept/", views.dpa_accept, name="dpa-accept"),
    re_path(rf"^art30/(?P<site_key>{SITE_KEY})\.json$", views.art30_json, name="art30-json"),
    re_path(rf"^art30/(?P<site_key>{SITE_KEY})/$", views.art30, name="art30"),
    # Last, and only for keys shaped like site keys, so it never shadows the pages above.
    re_path(rf"^(?P<site_key>{SITE_KEY})/$", views.public_notice, name="public-notice"),
]
