from django.contrib import admin

from accounts.admin_tenancy import TenantModelAdmin, TenantReadOnlyInline
from conversations.models import CannedResponse, Conversation, Message, Visitor
from privacy.admin_actions import confirm_erase_response, export_links_message
from privacy.forms import ERASE_CONFIRMATION
from privacy.services.subjects import data_subject_erase, data_subject_restrict, subject_export_create


class MessageInline(TenantReadOnlyInline):
    model = Message
    fields = ["seq", "author_type", "author_agent", "body", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["seq"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(TenantModelAdmin):
    """Owners and admins read their sites' conversations here; agents use the dashboard."""

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
class VisitorAdmin(TenantModelAdmin):
    list_display = ["label", "site", "created_at", "last_seen_at", "processing_restricted"]
    list_filter = ["site", "processing_restricted"]
    readonly_fields = ["site", "public_id", "created_at", "last_seen_at", "processing_restricted"]
    fields = readonly_fields
    # Contact data is searched and corrected on the DPO pages (/privacy/dpo/), which check the site.
    search_fields = ["public_id"]
    actions = ["export_data", "erase_data", "restrict_processing"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting personal data is the privacy app's erase, which keeps an audit trail.
        return False

    def has_gdpr_permission(self, request) -> bool:
        # Owners and admins, as on the DPO pages; the selected rows are already those of their sites.
        return self.has_view_permission(request)

    @admin.action(description="Export data (ZIP)", permissions=["gdpr"])
    def export_data(self, request, queryset):
        exports = [subject_export_create(visitor=v, requested_by=request.user) for v in queryset]
        self.message_user(request, export_links_message(exports))

    @admin.action(description="Erase data (GDPR Art. 17)", permissions=["gdpr"])
    def erase_data(self, request, queryset):
        if request.POST.get("confirm") != ERASE_CONFIRMATION:
            return confirm_erase_response(self, request, queryset)
        counts = [data_subject_erase(visitor=v, requested_by=request.user) for v in queryset]
        self.message_user(request, f"Erased {len(counts)} visitor(s) with their conversations.")

    @admin.action(description="Restrict processing (GDPR Art. 18)", permissions=["gdpr"])
    def restrict_processing(self, request, queryset):
        for visitor in queryset:
            data_subject_restrict(visitor=visitor, requested_by=request.user, restricted=True)
        self.message_user(request, f"Processing restricted for {len(queryset)} visitor(s).")


@admin.register(CannedResponse)
class CannedResponseAdmin(TenantModelAdmin):
    """Owners and admins manage their sites' canned responses."""

    list_display = ["shortcut", "site", "short_text", "created_by", "updated_at"]
    list_filter = ["site"]
    list_select_related = ["site", "created_by"]
    search_fields = ["shortcut", "text"]
    fields = ["site", "shortcut", "text"]

    def save_model(self, request, obj: CannedResponse, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="text")
    def short_text(self, obj: CannedResponse) -> str:
        return obj.text if len(obj.text) <= 80 else obj.text[:79] + "…"
