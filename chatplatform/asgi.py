"""ASGI entry point: HTTP goes to Django, WebSockets to the Channels routes.

Origin checks are per site, inside the visitor consumer, because each site
allows its own origins; the agent route only accepts this server's own hosts.
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatplatform.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from chatplatform.lib import send_buffer, websocket_close  # noqa: E402
from conversations.routing import websocket_urlpatterns  # noqa: E402

# Under daphne: abort sockets whose client stopped reading (lib/send_buffer.py), and end a
# failed socket with a close frame (1009, 1007, 1002), never a dropped connection.
send_buffer.install()
websocket_close.install()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)

# What is loaded by now (Django, the apps, the URL and model machinery) lives as
# long as the process. Frozen, the garbage collector no longer walks it on every
# full collection: under load those pauses were up to 50 ms (docs/benchmarks.md).
gc.collect()
gc.freeze()
