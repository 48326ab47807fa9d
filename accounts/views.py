import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms import (
    AccountProfileForm,
    InvitationAcceptForm,
    SessionEndingPasswordChangeForm,
    SessionEndingSetPasswordForm,
    ThrottledAuthenticationForm,
)
from accounts.selectors import membership_list_for_agent, site_get_for_member
from accounts.services import agent_profile_update
from accounts.tokens import invitation_token_generator


def _with_language_cookie(response: HttpResponse, language: str) -> HttpResponse:
    """The account's language, stored where LocaleMiddleware looks (the set_language cookie)."""
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )
    return response


class LoginView(auth_views.LoginView):
    """The dashboard's login, throttled; the account's chosen language follows it to every device."""

    authentication_form = ThrottledAuthenticationForm

    def form_valid(self, form):
        return _with_language_cookie(super().form_valid(form), form.get_user().language)


class PasswordResetView(auth_views.PasswordResetView):
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        # Links point at PUBLIC_URL, not at whatever Host header the request came with.
        self.extra_email_context = {"public_url": settings.PUBLIC_URL}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    pass


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Sets the new password through accounts.services, which ends every other login of the account."""

    form_class = SessionEndingSetPasswordForm
    post_reset_login = True
    success_url = reverse_lazy("dashboard:inbox")


class InvitationAcceptView(PasswordResetConfirmView):
    """An invitee sets a name and password through its one-time link, and lands in the dashboard."""

    form_class = InvitationAcceptForm
    token_generator = invitation_token_generator
    reset_url_token = "set-password"
    template_name = "registration/invitation_accept.html"


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """The agent's own account: name and photo shown to visitors, language, password."""
    user = request.user
    has_photo = bool(user.photo)
    profile_form = AccountProfileForm(
        initial={"display_name": user.display_name, "language": user.language}, has_photo=has_photo
    )
    password_form = SessionEndingPasswordChangeForm(user)
    if request.method == "POST" and request.POST.get("form") == "profile":
        profile_form = AccountProfileForm(request.POST, request.FILES, has_photo=has_photo)
        if profile_form.is_valid():
            data = profile_form.cleaned_data
            agent_profile_update(
                agent=user,
                display_name=data["display_name"],
                language=data["language"],
                photo=data["photo"] or None,
                photo_clear=data.get("photo_clear", False),
            )
            if data["language"]:
                translation.activate(data["language"])
            messages.success(request, _("Your profile was saved."))
            return _with_language_cookie(redirect("account"), data["language"])
    elif request.method == "POST" and request.POST.get("form") == "password":
        password_form = SessionEndingPasswordChangeForm(user, request.POST)
        if password_form.is_valid():
            password_form.save()
            update_session_auth_hash(request, user)  # this login stays; every other one has ended
            messages.success(request, _("Your password was changed. Your other sessions were signed out."))
            return redirect("account")
    context = {
        "agent": user,
        "memberships": membership_list_for_agent(agent=user),
        "profile_form": profile_form,
        "password_form": password_form,
        "flash": list(messages.get_messages(request)),
    }
    return render(request, "accounts/account.html", context)


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
