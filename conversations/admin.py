from django.contrib import admin

from conversations.models import Conversation, Message, Visitor


class MessageInline(admin.TabularInline):
    model = Message
    fields = ["seq", "author_type", "author_agent", "body", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["seq"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["pk", "site", "visitor", "status", "assigned_agent", "last_message_at"]
    list_filter = ["status", "site"]
    list_select_related = ["site", "visitor", "assigned_agent"]
    # Read-only: closing and replying go through the dashboard's services,
    # which record a system message and notify everyone connected.
    fields = readonly_fields = [
        "site",
        "visitor",
        "status",
        "assigned_agent",
        "last_seq",
        "created_at",
        "last_message_at",
        "closed_at",
    ]
    inlines = [MessageInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting personal data is the privacy app's erase, which keeps an audit trail.
        return False


@admin.register(Visitor)
class VisitorAdmin(admin.ModelAdmin):
    list_display = ["label", "site", "created_at", "last_seen_at"]
    list_filter = ["site"]
    readonly_fields = ["site", "public_id", "created_at", "last_seen_at"]
    fields = readonly_fields
    search_fields = ["public_id"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting personal data is the privacy app's erase, which keeps an audit trail.
        return False
