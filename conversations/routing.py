from django.urls import path

from conversations import consumers

websocket_urlpatterns = [
    path("ws/visitor/<str:site_key>/", consumers.VisitorConsumer.as_asgi()),
    path("ws/agent/", consumers.AgentConsumer.as_asgi()),
]
