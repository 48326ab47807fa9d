"""Login and password forms: login throttling (accounts/login_throttle.py), admin access by role,
and password changes that end the account's other logins."""

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm, AdminPasswordChangeForm
from django.contrib.auth.forms import AdminPasswordChangeForm as UserAdminPasswordChangeForm
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts import login_throttle, roles
from chatplatform.client import request_client_address


class ThrottledLoginMixin:
    throttled_message = ngettext_lazy(
        "Too many failed sign-ins for this account from your network. "
        "Wait %(minutes)s minute, then try again.",
        "Too many failed sign-ins for this account from your network. "
        "Wait %(minutes)s minutes, then try again.",
        "minutes",
    )

    def clean(self):
        username = self.cleaned_data.get("username")
        if not username or not self.cleaned_data.get("password"):
            return super().clean()
        ip = request_client_address(self.request) if self.request is not None else None
        remaining = login_throttle.login_lockout_remaining(username=username, ip=ip)
        if remaining:
            raise self._throttled(remaining)
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if self.user_cache is None:  # a wrong password, not e.g. a valid non-staff user in the admin
                lockout = login_throttle.login_failure_record(username=username, ip=ip)
                if lockout:
                    raise self._throttled(lockout) from None
            raise
        login_throttle.login_success_record(username=username, ip=ip)
        return cleaned

    def _throttled(self, seconds: int) -> forms.ValidationError:
        return forms.ValidationError(
            self.throttled_message, code="throttled", params={"minutes": max(1, -(-seconds // 60))}
        )


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


class AccessCheckedAdminLoginForm(ThrottledAdminAuthenticationForm):
    """The admin's login: for the operator and for owners and admins of a site (accounts.roles)."""

    error_messages = {
        **ThrottledAdminAuthenticationForm.error_messages,
        "no_admin_access": _(
            "This account has no access to the administration. Agents answer chats in the dashboard."
        ),
    }

    def confirm_login_allowed(self, user):
        AuthenticationForm.confirm_login_allowed(self, user)  # active; skips Django's is_staff check
        if not roles.may_use_admin(user):
            raise forms.ValidationError(self.error_messages["no_admin_access"], code="no_admin_access")


class SessionEndingPasswordMixin:
    """Password forms whose save ends the account's other logins (accounts.services.agent_password_set).

    The view keeps the current login with update_session_auth_hash, as Django's password views do.
    """

    password_field_name = "new_password1"

    def save(self, commit=True):
        from accounts.services import agent_password_set

        return agent_password_set(agent=self.user, password=self.cleaned_data[self.password_field_name])


class SessionEndingPasswordChangeForm(SessionEndingPasswordMixin, PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # On the account page the profile comes first; an autofocus here would scroll past it.
        self.fields["old_password"].widget.attrs.pop("autofocus", None)


class SessionEndingSetPasswordForm(SessionEndingPasswordMixin, SetPasswordForm):
    pass


class SessionEndingAdminPasswordChangeForm(SessionEndingPasswordMixin, AdminPasswordChangeForm):
    """The admin's own password page (the logged-in user's current password is asked)."""


class SessionEndingUserPasswordForm(SessionEndingPasswordMixin, UserAdminPasswordChangeForm):
    """The operator's "change password" page of another user (UserAdmin)."""

    password_field_name = "password1"

    def save(self, commit=True):
        from accounts.services import agent_password_set

        usable = self.cleaned_data.get("usable_password", "true") != "false"
        return agent_password_set(
            agent=self.user, password=self.cleaned_data["password1"] if usable else None
        )


class InvitationAcceptForm(SessionEndingSetPasswordForm):
    """The invitee's first visit: the name visitors will see, and a password."""

    display_name = forms.CharField(
        label=_("Your name"), max_length=80, help_text=_("Visitors see this name in the chat.")
    )
    field_order = ["display_name", "new_password1", "new_password2"]

    def save(self, commit=True):
        self.user.display_name = self.cleaned_data["display_name"].strip()
        self.user.save(update_fields=["display_name"])
        return super().save(commit)


class AccountProfileForm(forms.Form):
    def __init__(self, *args, has_photo: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_photo:
            del self.fields["photo_clear"]

    display_name = forms.CharField(
        label=_("Your name"),
        max_length=80,
        required=False,
        help_text=_("Visitors see this name in the chat."),
    )
    photo = forms.ImageField(
        label=_("Photo"), required=False, help_text=_("Shown to visitors beside your name.")
    )
    photo_clear = forms.BooleanField(label=_("Remove the photo"), required=False)
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("As my browser"))] + [(code, name) for code, name in settings.LANGUAGES],
    )
