"""/api/v1/ (included from chatplatform/urls.py). Keep integrations/openapi.py in step: a test compares."""

from django.urls import path, re_path

from integrations import views

app_name = "api"

urlpatterns = [
    path("openapi.json", views.openapi_json, name="openapi"),
    path("conversations", views.conversation_list, name="conversation-list"),
    path("conversations/<int:conversation_id>", views.conversation_detail, name="conversation-detail"),
    path("conversations/<int:conversation_id>/messages", views.message_list, name="message-list"),
    path("conversations/<int:conversation_id>/close", views.conversation_close, name="conversation-close"),
    # Anything else under /api/v1/ answers in JSON too.
    re_path(r"^(?P<path>.*)$", views.not_found),
]
