from django.urls import path

from accounts import views

app_name = "sites"

urlpatterns = [
    path("<str:site_key>/preview/", views.site_widget_preview, name="widget-preview"),
]
