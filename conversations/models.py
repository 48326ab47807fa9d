import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Site


class Visitor(models.Model):
    """Someone who opened the chat on a site.

    Created only when the visitor opens the chat window. The browser holds a
    random token; only its SHA-256 is stored, so a database dump cannot be
    used to take over a visitor's conversation.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="visitors")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Contact data the visitor gave (pre-chat form) or the DPO rectified.
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=50, blank=True)
    # Stored only as the site's ip_handling allows (see privacy.services.ip).
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # Art. 18: kept, but left out of retention purges and new processing.
    processing_restricted = models.BooleanField(default=False)
    # What the agent sees about the visit (conversations.context): page, browser; with analytics
    # consent also pages visited, referrer, screen and country. Never the IP address.
    context = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"Visitor {str(self.public_id)[:8]}"


class Conversation(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="conversations")
    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="conversations")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    assigned_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
    )
    # Highest Message.seq handed out; bumped with an UPDATE so the row lock
    # orders concurrent posts.
    last_seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The privacy notice the widget showed before the first message, and in which language.
    notice_version = models.ForeignKey(
        "privacy.ChatNoticeVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notice_language = models.CharField(max_length=2, blank=True)
    # Opened while no agent was online: the site's notification address got an e-mail.
    offline = models.BooleanField(default=False)
    # When the visitor last had the transcript e-mailed (one every few minutes at most).
    transcript_sent_at = models.DateTimeField(null=True, blank=True)
    # A transcript asked for to an address the visitor did not give in a form waits for the
    # confirmation link mailed there (conversations.transcripts); only the token's hash is kept.
    transcript_confirm_email = models.EmailField(blank=True)
    transcript_confirm_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    transcript_confirm_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["site", "status", "-last_message_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["visitor"], condition=Q(status="open"), name="one_open_conversation_per_visitor"
            )
        ]

    def __str__(self) -> str:
        return f"Conversation {self.pk}"


class Message(models.Model):
    class Author(models.TextChoices):
        VISITOR = "visitor", "Visitor"
        AGENT = "agent", "Agent"
        SYSTEM = "system", "System"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField()
    author_type = models.CharField(max_length=10, choices=Author.choices)
    author_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    # Chosen by the sending client; a retry with the same id is stored once.
    client_id = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["conversation", "seq"]
        indexes = [
            # A visitor's retry is looked up by client_id across its conversations.
            models.Index(
                fields=["client_id"], condition=Q(client_id__isnull=False), name="message_client_id_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="unique_seq_per_conversation"),
            models.UniqueConstraint(
                fields=["conversation", "client_id"],
                condition=Q(client_id__isnull=False),
                name="unique_client_id_per_conversation",
            ),
        ]

    def __str__(self) -> str:
        return f"Message {self.conversation_id}#{self.seq}"


class ConversationNote(models.Model):
    """An agents-only note on a conversation; the visitor never sees it.

    Personal data like the messages: exported with the visitor's data and
    deleted with the conversation (CASCADE) by erasure and retention.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    # Chosen by the dashboard; a retry with the same id is stored once.
    client_id = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["conversation", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "client_id"],
                condition=Q(client_id__isnull=False),
                name="unique_note_client_id_per_conversation",
            ),
        ]

    def __str__(self) -> str:
        return f"Note {self.conversation_id}/{self.pk}"


class CannedResponse(models.Model):
    """A saved reply of a site; agents insert it by typing "/shortcut" in the composer."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="canned_responses")
    shortcut = models.SlugField(max_length=40, help_text='Typed after "/" in the reply box, e.g. hello.')
    text = models.TextField(max_length=5000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["site", "shortcut"]
        constraints = [
            models.UniqueConstraint(fields=["site", "shortcut"], name="one_canned_response_per_shortcut")
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut}"
