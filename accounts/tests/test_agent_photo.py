import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from conversations import event_schema


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "#2563eb").save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_agents_photo_is_served_and_shown_to_visitors_by_absolute_url(bob, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    bob.photo = SimpleUploadedFile("bob.png", png(), content_type="image/png")
    bob.save()

    shown = event_schema.agent(bob)

    assert shown["name"] == "Bob"
    assert shown["photo_url"].startswith(f"{settings.PUBLIC_URL}/media/agents/")
    path = shown["photo_url"].removeprefix(settings.PUBLIC_URL)
    response = client.get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png()


def test_an_agent_without_a_photo_has_none(bob):
    assert event_schema.agent(bob)["photo_url"] is None
