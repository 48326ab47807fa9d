from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html

from accounts.admin_tenancy import OperatorOnlyAdmin, TenantModelAdmin
from privacy.models import (
    AuditLogEntry,
    DataSubjectRequest,
    DPAAcceptance,
    DPAVersion,
    SubjectExport,
    SubProcessor,
)


class ReadOnlyAdmin(TenantModelAdmin):
    """Privacy records change only through privacy services, which audit them.

    Owners and admins read their sites' records; the operator reads all of them.
    """

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(ReadOnlyAdmin):
    """Read only: entries are written by privacy services and never changed or deleted."""

    list_display = ["created_at", "action", "actor_label", "site", "details"]
    list_filter = ["action", "site"]
    list_select_related = ["site"]
    date_hierarchy = "created_at"


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(ReadOnlyAdmin):
    """Read only: requests are recorded and answered on the DPO pages (/privacy/dpo/)."""

    list_display = ["__str__", "site", "kind", "status", "received_at", "due", "completed_at", "handled_by"]
    list_filter = ["status", "kind", "site"]
    list_select_related = ["site", "handled_by"]
    fields = ["site", "visitor", "subject_ref", "kind", "status", "received_at", "due_at", "completed_at"]
    fields += ["handled_by", "note"]
    readonly_fields = fields

    @admin.display(description="Due", ordering="due_at")
    def due(self, obj: DataSubjectRequest) -> str:
        if obj.status == DataSubjectRequest.Status.OPEN and obj.due_at < timezone.now():
            return format_html('<strong class="overdue">{} (overdue)</strong>', f"{obj.due_at:%Y-%m-%d}")
        return f"{obj.due_at:%Y-%m-%d}"


@admin.register(SubjectExport)
class SubjectExportAdmin(ReadOnlyAdmin):
    """Read only. The file itself leaves only through its one-time link, to the admin who asked for it."""

    list_display = ["pk", "site", "requested_by", "created_at", "expires_at", "downloaded_at"]
    list_filter = ["site"]
    list_select_related = ["site", "requested_by"]
    fields = readonly_fields = ["site", "subject_ref", "request", "requested_by", "created_at", "expires_at"]
    fields += ["downloaded_at"]


@admin.register(DPAVersion)
class DPAVersionAdmin(OperatorOnlyAdmin):
    """Publish versions here. Once a site accepted a version it is read only and cannot be deleted."""

    list_display = ["version", "effective_date", "created_at", "acceptance_count"]
    fields = ["version", "effective_date", "text", "created_at"]
    readonly_fields = ["created_at"]

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or not obj.is_accepted)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Bulk deletes are stopped too: DPAAcceptance.version is on_delete=PROTECT.
        return super().has_delete_permission(request, obj) and (obj is None or not obj.is_accepted)

    @admin.display(description="Acceptances")
    def acceptance_count(self, obj: DPAVersion) -> int:
        return obj.acceptances.count()


@admin.register(DPAAcceptance)
class DPAAcceptanceAdmin(ReadOnlyAdmin):
    """Read only: acceptances are recorded on /privacy/dpa/ by site owners and never changed or deleted."""

    list_display = ["site_label", "version", "accepted_by_label", "accepted_at"]
    list_filter = ["version", "site"]
    list_select_related = ["site", "version"]
    fields = readonly_fields = ["site", "site_label", "version", "accepted_by", "accepted_by_label"]
    fields += ["accepted_at"]


@admin.register(SubProcessor)
class SubProcessorAdmin(OperatorOnlyAdmin):
    """Active sub-processors appear in every site's privacy texts and Art. 30 record."""

    list_display = ["name", "purpose", "location", "transfer_mechanism", "active", "added_at"]
    list_filter = ["active", "transfer_mechanism"]
    search_fields = ["name", "purpose"]
