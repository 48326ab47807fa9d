import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.selectors import site_get_for_member


@login_required
@require_GET
def site_widget_preview(request: HttpRequest, site_key: str) -> HttpResponse:
    """The widget with the site's saved look, for the Site admin. It never connects or stores anything."""
    site = site_get_for_member(user=request.user, key=site_key)
    if site is None:
        raise Http404
    theme = {
        "site_name": site.name,
        "color": site.theme_color,
        "position": site.widget_position,
        "greeting": site.greeting,
        "logo_url": site.logo_url,
    }
    context = {"site": site, "theme_json": json.dumps(theme)}  # autoescaped into the attribute
    return render(request, "accounts/widget_preview.html", context)
