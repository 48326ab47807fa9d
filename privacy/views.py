"""DPO pages: find a data subject, then export, rectify, restrict or erase.

Each view parses, authorises (privacy.selectors), calls one service and
renders. Only superusers and owners/admins of the subject's site get in;
for anyone else a subject or export does not exist (404).
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language_from_request, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Site
from privacy import selectors
from privacy.forms import EraseForm, RectifyForm, SubjectRequestForm
from privacy.models import DataSubjectRequest
from privacy.services import dpa, subjects, texts
from privacy.tokens import EXPIRED, VALID, export_link_token_generator


def _unavailable(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "privacy/unavailable.html", {"message": message}, status=status)


def _not_found(request: HttpRequest) -> HttpResponse:
    return _unavailable(request, _("No such data subject on a site whose privacy you manage."), 404)


def subject_view(view):
    """Pass the view the visitor `public_id` names, if the user manages its site; else answer 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, public_id, **kwargs) -> HttpResponse:
        visitor = selectors.visitor_get_for_dpo(user=request.user, visitor_id=public_id)
        if visitor is None:
            return _not_found(request)
        return view(request, visitor, **kwargs)

    return wrapper


def _open_request(visitor, data) -> DataSubjectRequest | None:
    """The open request the DPO answers with this action, if one was picked."""
    return selectors.subject_request_get_open(visitor=visitor, request_id=data.get("request_id"))


def _subject_context(visitor, **extra):
    requests = selectors.subject_request_list(visitor=visitor)
    return {
        "visitor": visitor,
        "counts": subjects.data_subject_counts(visitor=visitor),
        "requests": requests,
        "open_requests": [r for r in requests if r.status == DataSubjectRequest.Status.OPEN],
        "rectify_form": extra.pop("rectify_form", None)
        or RectifyForm(initial={"name": visitor.name, "email": visitor.email, "phone": visitor.phone}),
        "request_form": SubjectRequestForm(),
        "now": timezone.now(),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def dpo_home(request: HttpRequest) -> HttpResponse:
    """The search. It is a POST: the searched e-mail, phone or name must not land in a URL (access
    logs, browser history); a `q` in the query string is ignored."""
    sites = selectors.site_list_for_dpo(user=request.user)
    if not sites:
        return _unavailable(request, _("Only site owners and admins can handle data-subject requests."), 403)
    data = request.POST if request.method == "POST" else request.GET
    site_key = data.get("site") or sites[0].key
    site = next((s for s in sites if s.key == site_key), None)
    if site is None:
        return _unavailable(request, _("No such site among those whose privacy you manage."), 404)
    query = request.POST.get("q", "").strip() if request.method == "POST" else ""
    results = subjects.data_subject_search(site=site, query=query) if query else None
    return render(
        request, "privacy/dpo.html", {"sites": sites, "site": site, "query": query, "results": results}
    )


@login_required
@require_GET
@never_cache
@subject_view
def subject_detail(request: HttpRequest, visitor) -> HttpResponse:
    return render(request, "privacy/subject.html", _subject_context(visitor))


@login_required
@require_POST
@subject_view
def subject_request(request: HttpRequest, visitor) -> HttpResponse:
    form = SubjectRequestForm(request.POST)
    if form.is_valid():
        subjects.subject_request_create(
            site=visitor.site, visitor=visitor, handled_by=request.user, **form.cleaned_data
        )
        messages.success(request, _("Request recorded; it is due in 30 days."))
    return redirect("privacy:subject", public_id=visitor.public_id)


@login_required
@require_POST
@subject_view
def subject_export(request: HttpRequest, visitor) -> HttpResponse:
    export = subjects.subject_export_create(
        visitor=visitor, requested_by=request.user, request=_open_request(visitor, request.POST)
    )
    return redirect("privacy:export-ready", pk=export.pk)


@login_required
@require_POST
@subject_view
def subject_rectify(request: HttpRequest, visitor) -> HttpResponse:
    form = RectifyForm(request.POST)
    if form.is_valid():
        try:
            subjects.data_subject_rectify(
                visitor=visitor,
                requested_by=request.user,
                request=_open_request(visitor, request.POST),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Contact data saved."))
            return redirect("privacy:subject", public_id=visitor.public_id)
    return render(request, "privacy/subject.html", _subject_context(visitor, rectify_form=form), status=400)


@login_required
@require_POST
@subject_view
def subject_restrict(request: HttpRequest, visitor) -> HttpResponse:
    restricted = request.POST.get("restricted") == "1"
    subjects.data_subject_restrict(
        visitor=visitor,
        requested_by=request.user,
        restricted=restricted,
        request=_open_request(visitor, request.POST),
    )
    messages.success(request, _("Processing restricted.") if restricted else _("Restriction lifted."))
    return redirect("privacy:subject", public_id=visitor.public_id)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
@subject_view
def subject_erase(request: HttpRequest, visitor) -> HttpResponse:
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        counts = subjects.data_subject_erase(
            visitor=visitor, requested_by=request.user, request=_open_request(visitor, request.POST)
        )
        messages.success(
            request,
            _("Erased: %(conversations)s, %(messages)s and the visitor record.")
            % {
                "conversations": ngettext(
                    "%(count)d conversation", "%(count)d conversations", counts["conversations"]
                )
                % {"count": counts["conversations"]},
                "messages": ngettext("%(count)d message", "%(count)d messages", counts["messages"])
                % {"count": counts["messages"]},
            },
        )
        return redirect(f"{reverse('privacy:dpo')}?site={visitor.site.key}")
    context = _subject_context(visitor, form=form)
    return render(request, "privacy/erase_confirm.html", context, status=400 if form.is_bound else 200)


@login_required
@require_GET
@never_cache
def export_ready(request: HttpRequest, pk: int) -> HttpResponse:
    """Shows the one-time link to the admin who asked for the export."""
    export = selectors.subject_export_get_for_requester(user=request.user, export_id=pk)
    if export is None or not selectors.can_manage_privacy(user=request.user, site=export.site):
        return _unavailable(request, _("No such export of yours."), 404)
    usable = export.downloaded_at is None and export.expires_at > timezone.now()
    link = (
        reverse("privacy:export-download", args=[export.pk, export_link_token_generator.make_token(export)])
        if usable
        else None
    )
    return render(request, "privacy/export_ready.html", {"export": export, "link": link})


@login_required
@require_GET
@never_cache
def export_download(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """Streams the ZIP once, to the admin who asked for it, then it is gone."""
    export = selectors.subject_export_get_for_requester(user=request.user, export_id=pk)
    if export is None or not selectors.can_manage_privacy(user=request.user, site=export.site):
        return _unavailable(
            request, _("No such export of yours. Only the admin who created it can download it."), 404
        )
    if export.downloaded_at is not None:
        return _unavailable(
            request, _("This link was used already; the file is deleted. Create a new export."), 410
        )
    state = export_link_token_generator.token_state(export, token)
    if state != VALID and state != EXPIRED:
        return _unavailable(request, _("This download link is not valid."), 404)
    if state == EXPIRED or export.expires_at <= timezone.now():
        return _unavailable(request, _("This download link has expired. Create a new export."), 410)
    try:
        content = subjects.subject_export_take(export=export, actor=request.user)
    except subjects.ExportUnavailable as exc:
        return _unavailable(request, exc.message, 410)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="subject-export-{export.pk}.zip"'
    response["Cache-Control"] = "no-store"
    return response


# --- Privacy texts, Art. 30 record and DPA -----------------------------------------


def _text_blocks(text: str) -> list[dict]:
    """Plain-text paragraph -> blocks for the template: a lead line, then "- " lines as a list."""
    blocks = []
    for block in text.split("\n\n"):
        lines = block.split("\n")
        items = [line[2:] for line in lines[1:] if line.startswith("- ")]
        blocks.append({"text": lines[0], "items": items})
    return blocks


@require_GET
def public_notice(request: HttpRequest, site_key: str) -> HttpResponse:
    """The chat's privacy information for visitors, public so that site owners can link it."""
    site = Site.objects.filter(key=site_key).first()
    if site is None:
        return render(request, "privacy/public_notice.html", {"site": None}, status=404)
    language = texts.language_pick(request.GET.get("lang") or get_language_from_request(request))
    paragraph = texts.privacy_paragraph(site=site, language=language)
    response = render(
        request,
        "privacy/public_notice.html",
        {
            "site": site,
            "language": language,
            "languages": list(texts.LANGUAGES),
            "blocks": _text_blocks(paragraph),
            "storage_table": texts.storage_table(language=language, site_key=site.key),
        },
    )
    patch_vary_headers(response, ["Accept-Language"])
    return response


def _site_for_privacy_manager(request: HttpRequest, site_key: str) -> Site | None:
    site = Site.objects.filter(key=site_key).first()
    if site is None or not selectors.can_manage_privacy(user=request.user, site=site):
        return None
    return site


@login_required
@require_GET
@never_cache
def art30(request: HttpRequest, site_key: str) -> HttpResponse:
    site = _site_for_privacy_manager(request, site_key)
    if site is None:
        return _unavailable(request, _("No such site among those whose privacy you manage."), 404)
    paragraphs = {code: texts.privacy_paragraph(site=site, language=code) for code in texts.LANGUAGES}
    return render(
        request,
        "privacy/art30.html",
        {"site": site, "record": texts.art30_record(site=site), "paragraphs": paragraphs},
    )


@login_required
@require_GET
@never_cache
def art30_json(request: HttpRequest, site_key: str) -> HttpResponse:
    site = _site_for_privacy_manager(request, site_key)
    if site is None:
        return JsonResponse({"error": "not_found"}, status=404)
    response = JsonResponse(
        texts.art30_record(site=site), json_dumps_params={"indent": 2, "ensure_ascii": False}
    )
    response["Content-Disposition"] = f'inline; filename="art30-{site.key}.json"'
    return response


@login_required
@require_GET
@never_cache
def dpa_home(request: HttpRequest) -> HttpResponse:
    sites = selectors.site_list_for_dpa(user=request.user)
    if not sites:
        return _unavailable(request, _("Only site owners can accept the data processing agreement."), 403)
    version = selectors.dpa_version_current()
    acceptances = selectors.dpa_acceptance_list(sites=sites)
    accepted = {a.site_id for a in acceptances if version is not None and a.version_id == version.pk}
    return render(
        request,
        "privacy/dpa.html",
        {
            "version": version,
            "sites": [{"site": s, "accepted": s.pk in accepted} for s in sites],
            "acceptances": acceptances,
        },
    )


@login_required
@require_POST
def dpa_accept(request: HttpRequest) -> HttpResponse:
    site = next(
        (s for s in selectors.site_list_for_dpa(user=request.user) if s.key == request.POST.get("site")), None
    )
    version = selectors.dpa_version_current()
    if site is None or version is None:
        return _unavailable(request, _("No such site among those you own."), 404)
    if request.POST.get("version") != version.version:
        messages.error(
            request, _("That is not the current version any more; read the current one and accept again.")
        )
        return redirect("privacy:dpa")
    dpa.dpa_accept(site=site, version=version, user=request.user)
    messages.success(
        request, _("%(site)s: DPA %(version)s accepted.") % {"site": site.name, "version": version.version}
    )
    return redirect("privacy:dpa")
