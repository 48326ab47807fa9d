from django.urls import path

from conversations import views

app_name = "dashboard"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("c/<int:pk>/", views.inbox, name="conversation"),
    path("c/<int:pk>/export.json", views.transcript_json, name="transcript-json"),
    path("c/<int:pk>/export.csv", views.transcript_csv, name="transcript-csv"),
    path("c/<int:pk>/email/", views.transcript_email, name="transcript-email"),
]
