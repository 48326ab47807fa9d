from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import Membership, Site, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "created_at"]
    search_fields = ["name", "key"]
    readonly_fields = ["key", "embed_snippet", "created_at"]
    fields = ["name", "key", "allowed_origins", "embed_snippet", "created_at"]
    inlines = [MembershipInline]

    @admin.display(description="Embed snippet")
    def embed_snippet(self, obj: Site) -> str:
        from django.conf import settings

        if not obj.pk:
            return "Save the site to get its snippet."
        return f'<script src="{settings.PUBLIC_URL}/widget.js" data-site-key="{obj.key}" async></script>'


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "availability", "is_staff", "is_active"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Shown to visitors", {"fields": ["display_name", "photo", "availability"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]})
    ]
    inlines = [MembershipInline]
