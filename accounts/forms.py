"""Login forms of the dashboard and the admin, with login throttling (accounts/login_throttle.py)."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import ngettext_lazy

from accounts import login_throttle


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
        ip = self.request.META.get("REMOTE_ADDR") if self.request is not None else None
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
