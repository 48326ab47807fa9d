"""Helpers for the GDPR actions on the Visitor admin (conversations/admin.py).

The actions stay a few lines each: they call privacy.services.subjects and
report through `message_user`. The erase confirmation page lives here.
"""

from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from privacy.forms import ERASE_CONFIRMATION
from privacy.services.subjects import data_subject_counts


def confirm_erase_response(modeladmin, request, queryset) -> TemplateResponse:
    """The intermediate page: what goes, and a field to type ERASE into."""
    visitors = list(queryset.select_related("site"))
    counts = [data_subject_counts(visitor=v) for v in visitors]
    totals = {
        key: sum(c[key] for c in counts) for key in ("visitors", "conversations", "messages", "exports")
    }
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Erase visitors' data (GDPR Art. 17)",
        "opts": modeladmin.model._meta,
        "visitors": visitors,
        "totals": totals,
        "confirmation_word": ERASE_CONFIRMATION,
        "wrong_confirmation": "confirm" in request.POST,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/privacy/confirm_erase.html", context)


def export_links_message(exports) -> str:
    links = format_html_join(
        ", ",
        '<a href="{}">export #{}</a>',
        ((reverse("privacy:export-ready", args=[e.pk]), e.pk) for e in exports),
    )
    return format_html("Created {} (one-time download links, for you only): {}", len(exports), links)
