from django.urls import path

from privacy import views

app_name = "privacy"

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
]
