"""API tokens and outgoing webhooks of a site.

Nothing here holds personal data: tokens and secrets are credentials of the
site, and a delivery names its event and the object by id only. The payload
is built when it is sent, so an erased or purged conversation is never sent
from a stale copy (integrations.services.webhooks).
"""

import uuid

from django.conf import settings
from django.db import models

from accounts.models import Site
from chatplatform.lib.tokens import hash_token, new_token

API_TOKEN_PREFIX = "cpat_"
WEBHOOK_SECRET_PREFIX = "whsec_"


class ApiToken(models.Model):
    """A bearer token for the REST API of one site. Only its SHA-256 is stored."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What uses this token, e.g. “CRM sync”.")
    # The first characters of the token, so that a token found in a config file can be matched
    # to its row. 7 random characters of 43 identify it without helping to guess the rest.
    prefix = models.CharField(max_length=16, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def set_new_token(self) -> str:
        """Give the (unsaved) row a fresh token and return it in clear, the only time it exists."""
        token = API_TOKEN_PREFIX + new_token()
        self.token_hash = hash_token(token)
        self.prefix = token[: len(API_TOKEN_PREFIX) + 7]
        return token


class WebhookEvent(models.TextChoices):
    CONVERSATION_CREATED = "conversation.created", "conversation.created"
    CONVERSATION_CLOSED = "conversation.closed", "conversation.closed"
    MESSAGE_CREATED = "message.created", "message.created"


class WebhookEndpoint(models.Model):
    """A URL of the site owner's that is told about the site's events."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField("URL", max_length=500, help_text="http or https; receives a POST per event.")
    # Stored in clear because every delivery is signed with it; shown once (creation, rotation).
    secret = models.CharField(max_length=80, editable=False)
    # A list of WebhookEvent values.
    events = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return f"Webhook {self.pk} of {self.site}"

    def set_new_secret(self) -> str:
        self.secret = WEBHOOK_SECRET_PREFIX + new_token()
        return self.secret


class WebhookDelivery(models.Model):
    """One event for one endpoint, and how sending it went. Ids only, never the payload."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        # The object was erased or purged, or its visitor restricted processing, before it was sent.
        SKIPPED = "skipped", "Skipped"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    # A Conversation or Message pk, deliberately not a foreign key: deleting chat data must
    # neither cascade here nor be slowed down by it (retention deletes messages in bulk).
    object_id = models.PositiveBigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # The exception class name only: exception texts can quote URLs or response bodies.
    last_error = models.CharField(max_length=100, blank=True)
    # When the next attempt is due (pending), or until when a worker holds it (see the services).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhookdelivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.event} #{self.object_id} → endpoint {self.endpoint_id}"
