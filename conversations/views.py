from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from accounts.selectors import membership_list_for_agent
from conversations import selectors

WIDGET_JS = Path(settings.BASE_DIR) / "static" / "widget" / "widget.js"


@login_required
def inbox(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The inbox, and with `pk` one conversation beside it."""
    current, messages = None, []
    if pk is not None:
        current = selectors.conversation_get_for_agent(agent=request.user, conversation_id=pk)
        if current is None:
            raise Http404
        messages = selectors.message_list_after(conversation=current, after_seq=0, limit=10_000)
    context = {
        "agent": request.user,
        "memberships": membership_list_for_agent(agent=request.user),
        "conversations": selectors.conversation_list_for_agent(agent=request.user),
        "current": current,
        "messages": messages,
        "dashboard_config": {
            "ws_path": "/ws/agent/",
            "conversation": current.pk if current else None,
            "last_seq": current.last_seq if current else 0,
            "max_body_chars": settings.CHAT_MAX_BODY_CHARS,
            "conversation_url_template": "/dashboard/c/0/",
        },
    }
    return render(request, "dashboard/inbox.html", context)


@require_GET
@cache_control(public=True, max_age=300)
def widget_js(request: HttpRequest) -> HttpResponse:
    # Read per request so a deploy needs no restart; the file is small and cached by browsers.
    response = HttpResponse(WIDGET_JS.read_bytes(), content_type="text/javascript; charset=utf-8")
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def home(request: HttpRequest) -> HttpResponse:
    return redirect("dashboard:inbox")
