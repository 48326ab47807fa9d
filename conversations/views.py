import csv
import json
from pathlib import Path

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import roles
from accounts.selectors import membership_list_for_agent, site_member_list
from chatplatform.lib.spreadsheet import csv_safe
from conversations import event_schema, selectors, services
from privacy.storage_inventory import widget_inventory

WIDGET_JS = Path(settings.BASE_DIR) / "static" / "widget" / "widget.js"
INVENTORY_PLACEHOLDER = "/*STORAGE_INVENTORY*/{}"


@login_required
def inbox(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The inbox in one of its views (?view=), and with `pk` one conversation beside it.

    The conversation's thread interleaves messages and internal notes by time.
    """
    view = request.GET.get("view", "open")
    if view not in selectors.INBOX_VIEWS:
        view = "open"
    current, messages, timeline, members = None, [], [], []
    if pk is not None:
        current = selectors.conversation_get_for_agent(agent=request.user, conversation_id=pk)
        if current is None:
            raise Http404
        messages = selectors.message_list_after(conversation=current, after_seq=0, limit=10_000)
        notes = selectors.note_list(conversation=current)
        timeline = sorted(
            [{"kind": "message", "item": m} for m in messages] + [{"kind": "note", "item": n} for n in notes],
            key=lambda entry: entry["item"].created_at,
        )
        members = site_member_list(site=current.site)
    canned = selectors.canned_response_list_for_agent(
        agent=request.user, site=current.site if current else None
    )
    context = {
        "agent": request.user,
        "admin_access": roles.may_use_admin(request.user),
        "memberships": membership_list_for_agent(agent=request.user),
        "conversations": selectors.conversation_list_for_agent(agent=request.user, view=view),
        "view": view,
        "inbox_views": [
            ("mine", _("Mine")),
            ("unassigned", _("Unassigned")),
            ("open", _("All open")),
            ("closed", _("Closed")),
        ],
        "current": current,
        "messages": messages,
        "timeline": timeline,
        "members": members,
        "flash": list(get_messages(request)),
        "dashboard_config": {
            "ws_path": "/ws/agent/",
            "conversation": current.pk if current else None,
            "last_seq": current.last_seq if current else 0,
            "max_body_chars": settings.CHAT_MAX_BODY_CHARS,
            "conversation_url_template": "/dashboard/c/0/",
            "view": view,
            "canned": [{"shortcut": c.shortcut, "text": c.text, "site": c.site.key} for c in canned],
            # The visitor panel: contact data given and the visit context (conversations.context).
            "visitor": event_schema.visitor_for_agent(current.visitor) if current else None,
            "offline": bool(current and current.offline),
        },
    }
    return render(request, "dashboard/inbox.html", context)


def _conversation_or_404(request: HttpRequest, pk: int):
    conversation = selectors.conversation_get_for_agent(agent=request.user, conversation_id=pk)
    if conversation is None:
        raise Http404
    return conversation


def _attachment(response: HttpResponse, conversation, extension: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="conversation-{conversation.pk}.{extension}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def transcript_json(request: HttpRequest, pk: int) -> HttpResponse:
    """The conversation, its messages and (under `notes`) its internal notes, for members of its site."""
    conversation = _conversation_or_404(request, pk)
    transcript = selectors.conversation_transcript(conversation=conversation)
    response = JsonResponse(transcript, json_dumps_params={"indent": 2, "ensure_ascii": False})
    return _attachment(response, conversation, "json")


@login_required
@require_GET
def transcript_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The messages as CSV; cells a spreadsheet would run as formulas are quoted (csv_safe)."""
    conversation = _conversation_or_404(request, pk)
    transcript = selectors.conversation_transcript(conversation=conversation)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    writer = csv.writer(response)
    writer.writerow(["seq", "created_at", "author", "agent", "body"])
    for m in transcript["messages"]:
        writer.writerow([csv_safe(m[key]) for key in ("seq", "created_at", "author", "agent", "body")])
    return _attachment(response, conversation, "csv")


@login_required
@require_POST
def transcript_email(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the transcript to the address the agent typed (from a Celery task)."""
    conversation = _conversation_or_404(request, pk)
    try:
        services.conversation_transcript_email_request(
            agent=request.user,
            conversation_id=conversation.pk,
            to=request.POST.get("to", ""),
            lang=get_language(),  # the transcript is written in the agent's dashboard language
        )
    except services.ChatError as exc:
        flash.error(request, exc.detail)
    else:
        flash.success(request, _("The transcript is on its way."))
    return redirect("dashboard:conversation", pk=conversation.pk)


@require_http_methods(["GET", "POST"])
def transcript_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link mailed to an address a visitor asked a transcript for (conversations.transcripts).

    GET only shows a button: mail scanners open links, and opening must not send anything.
    """
    lang = request.GET.get("lang") or request.POST.get("lang") or ""
    if lang in dict(settings.LANGUAGES):
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
    state = "ask"
    if request.method == "POST":
        state = "sent" if services.conversation_transcript_confirm(token=token, lang=lang) else "gone"
    return render(request, "conversations/transcript_confirm.html", {"state": state, "lang": lang})


@require_GET
@cache_control(public=True, max_age=300)
def widget_js(request: HttpRequest) -> HttpResponse:
    # Read per request so a deploy needs no restart; the file is small and cached by browsers.
    # The storage inventory goes in here so the widget can only write what the cookie table lists.
    source = WIDGET_JS.read_text(encoding="utf-8").replace(
        INVENTORY_PLACEHOLDER, json.dumps(widget_inventory(), separators=(",", ":")), 1
    )
    response = HttpResponse(source.encode(), content_type="text/javascript; charset=utf-8")
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def home(request: HttpRequest) -> HttpResponse:
    return redirect("dashboard:inbox")
