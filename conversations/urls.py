from django.urls import path

from conversations import views

app_name = "dashboard"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("c/<int:pk>/", views.inbox, name="conversation"),
]
