"""API tokens, webhook endpoints and deliveries in the admin.

The operator sees every site's; owners and admins only those of their sites
(accounts.admin_tenancy), because these are settings of a site, like its
privacy settings. Secrets are
shown once: a token on creation, an endpoint secret on creation and rotation.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.filters import RelatedOnlyFieldListFilter
from django.utils.html import format_html, format_html_join

from accounts.admin_tenancy import TenantModelAdmin
from integrations.models import ApiToken, WebhookDelivery, WebhookEndpoint, WebhookEvent
from integrations.services import (
    IntegrationError,
    api_token_create,
    api_token_revoke,
    webhook_delivery_retry_now,
    webhook_endpoint_create,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
    webhook_url_check,
)


class SiteScopedAdmin(TenantModelAdmin):
    """Tokens, endpoints and deliveries belong to a site; owners and admins manage them."""

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), (self.site_path, RelatedOnlyFieldListFilter)]


def _secret_message(text: str, secret: str) -> str:
    return format_html("{} <code>{}</code> Copy it now: it is not shown again.", text, secret)


@admin.register(ApiToken)
class ApiTokenAdmin(SiteScopedAdmin):
    list_display = ["name", "site", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["site", "created_by"]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["site", "name"]
        return ["site", "name", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        # A token is never edited, only revoked (the action) and replaced by a new one.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Revoked tokens stay listed: when was it made, by whom, when last used.
        return False

    def save_model(self, request, obj: ApiToken, form, change: bool) -> None:
        token, clear = api_token_create(site=obj.site, name=obj.name, created_by=request.user)
        obj.pk = token.pk
        obj.refresh_from_db()
        self.message_user(request, _secret_message("The new API token:", clear), messages.WARNING)

    @admin.action(description="Revoke selected API tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token)
        self.message_user(request, f"Revoked {len(queryset)} API token(s).")


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label="URL", max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["site", "url", "events", "active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            webhook_url_check(url=url)
        except IntegrationError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(SiteScopedAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "site", "event_list", "active", "created_at"]
    list_filter = ["active"]
    list_select_related = ["site"]
    actions = ["rotate_secret"]

    def get_readonly_fields(self, request, obj=None):
        # An endpoint stays with its site; its deliveries were made for that site.
        return ["site", "secret_info", "created_at"] if obj else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["site", "url", "events", "active"]
        return ["site", "url", "events", "active", "secret_info", "created_at"]

    @admin.display(description="Events")
    def event_list(self, obj: WebhookEndpoint) -> str:
        return ", ".join(obj.events) or "none"

    @admin.display(description="Secret")
    def secret_info(self, obj: WebhookEndpoint) -> str:
        return "Hidden. Use the action “Rotate secret” to get a new one."

    def save_model(self, request, obj: WebhookEndpoint, form, change: bool) -> None:
        data = form.cleaned_data
        if change:
            webhook_endpoint_update(
                endpoint=obj, url=data["url"], events=data["events"], active=data["active"]
            )
            return
        endpoint, secret = webhook_endpoint_create(
            site=data["site"], url=data["url"], events=data["events"], active=data["active"]
        )
        obj.pk = endpoint.pk
        obj.refresh_from_db()
        self.message_user(request, _secret_message("The signing secret:", secret), messages.WARNING)

    @admin.action(description="Rotate secret")
    def rotate_secret(self, request, queryset):
        rows = [(e.pk, e.url, webhook_endpoint_rotate_secret(endpoint=e)) for e in queryset]
        listing = format_html_join(" ", "Endpoint {} ({}): <code>{}</code>", rows)
        self.message_user(request, format_html("New secrets, shown once: {}", listing), messages.WARNING)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(SiteScopedAdmin):
    """Read only: rows are written by the delivery task; they hold event types and ids only."""

    site_path = "endpoint__site"
    list_display = [
        "created_at",
        "event",
        "object_id",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
    ]
    list_filter = ["status", "event"]
    list_select_related = ["endpoint__site"]
    date_hierarchy = "created_at"
    actions = ["retry_now"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Retry now")
    def retry_now(self, request, queryset):
        retried = sum(webhook_delivery_retry_now(delivery=d) for d in queryset)
        self.message_user(request, f"Queued {retried} delivery(ies); succeeded and skipped ones are left.")
