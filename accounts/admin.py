from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from accounts.models import Membership, Site, User
from accounts.services import agent_deactivate, agent_sockets_close, membership_remove
from privacy.models import ChatNoticeVersion
from privacy.services.notice import chat_notice_link, chat_notice_texts
from privacy.services.site_settings import PRIVACY_FIELDS, site_privacy_settings_update
from privacy.services.texts import CHECK_WARN_ONLY, LANGUAGES, site_gdpr_checklist, storage_table

RETENTION_PRESETS = [(14, "14 days"), (90, "90 days"), (365, "1 year")]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


class MembershipFormsetMixin:
    """Memberships deleted in the inline go through `membership_remove`, which closes the agent's sockets."""

    def save_formset(self, request, form, formset, change: bool) -> None:
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for membership in formset.deleted_objects:
            membership_remove(membership=membership)
        for membership in instances:
            membership.save()
        formset.save_m2m()


class PresetNumberInput(forms.NumberInput):
    """A number box that suggests `presets` (a datalist) and still takes any other value."""

    def __init__(self, presets: list[tuple[int, str]], attrs=None):
        super().__init__(attrs)
        self.presets = presets

    def render(self, name, value, attrs=None, renderer=None):
        list_id = f"{name}-presets"
        box = super().render(name, value, {**(attrs or {}), "list": list_id}, renderer)
        options = format_html_join("", '<option value="{}" label="{}">', self.presets)
        return format_html('{}<datalist id="{}">{}</datalist>', box, list_id, options)


class SiteAdminForm(forms.ModelForm):
    privacy_policy_url = forms.URLField(
        label="Privacy policy URL",
        required=False,
        assume_scheme="https",
        help_text="Your privacy policy. Add the paragraph from /privacy/&lt;site key&gt;/ to it, "
        "or link that page.",
    )
    # Not required: a form posted without it (older scripts, tests) keeps the site's routing.
    routing = forms.ChoiceField(
        choices=Site.Routing.choices, required=False, help_text=Site._meta.get_field("routing").help_text
    )

    class Meta:
        model = Site
        fields = "__all__"
        widgets = {"retention_days": PresetNumberInput(RETENTION_PRESETS, attrs={"min": 1, "max": 3650})}
        help_texts = {
            "retention_days": "Conversations and their messages are deleted this many days after their "
            "last message, visitors this many days after they were last seen (daily, at 03:17 UTC). "
            "Common choices: 14 days, 90 days, 1 year (365); any value from 1 to 3650 works.",
            "ip_handling": "What is stored of a visitor's IP address when the visitor opens the chat. "
            "Anonymised keeps the network only (203.0.113.77 is stored as 203.0.113.0).",
        }


@admin.register(Site)
class SiteAdmin(MembershipFormsetMixin, admin.ModelAdmin):
    form = SiteAdminForm
    list_display = ["name", "key", "retention_days", "ip_handling", "created_at"]
    search_fields = ["name", "key"]
    readonly_fields = [
        "key",
        "embed_snippet",
        "created_at",
        "gdpr_checklist",
        "chat_notice_preview",
        "cookie_table",
        "widget_preview",
    ]
    fieldsets = [
        (None, {"fields": ["name", "key", "allowed_origins", "embed_snippet", "created_at"]}),
        (
            "Pre-chat and offline form",
            {
                "fields": ["prechat_name", "prechat_email", "prechat_phone", "notification_email"],
                "description": "What the widget asks before the first message. Ask only what you need: "
                "off is the default. With no agent online, the widget asks for an e-mail address and a "
                "message instead, and the conversation is e-mailed to the notification address.",
            },
        ),
        (
            "Widget look",
            {
                "fields": ["theme_color", "widget_position", "greeting", "logo", "widget_preview"],
                "description": "Agents' names and photos come from their user accounts.",
            },
        ),
        (
            "Routing",
            {
                "fields": ["routing"],
                "description": "Round robin assigns each new chat to the online member who got one "
                "longest ago; with nobody online, or with manual routing, it waits unassigned.",
            },
        ),
        (
            "Privacy",
            {
                "fields": list(PRIVACY_FIELDS),
                "description": "Changes to these settings are recorded in the privacy audit log.",
            },
        ),
        (
            "Privacy texts",
            {
                "fields": ["controller_name", "controller_contact", "privacy_policy_url", "gdpr_checklist"],
                "description": "Shown in the generated privacy paragraph (/privacy/&lt;site key&gt;/) "
                "and the Art. 30 record.",
            },
        ),
        (
            "Privacy notice in the chat",
            {
                "fields": [
                    "chat_notice_enabled",
                    "chat_notice_en",
                    "chat_notice_de",
                    "chat_notice_cs",
                    "chat_notice_preview",
                ],
                "description": "Shown above the first message, linking your privacy policy URL. Every "
                "wording visitors saw is kept as a version and recorded with their conversation.",
            },
        ),
        (
            "Automated message (marketing)",
            {
                "fields": ["auto_message", "auto_message_delay_seconds"],
                "description": "Offered to visitors whose browser gave marketing consent through "
                "chatplatform('consent', …); see docs/consent.md.",
            },
        ),
        ("Cookie table for your privacy policy", {"fields": ["cookie_table"]}),
    ]
    inlines = [MembershipInline]

    def save_model(self, request, obj: Site, form, change: bool) -> None:
        """Save the privacy settings through their service, which audits changes; the rest as usual."""
        if not change:
            return super().save_model(request, obj, form, change)
        wanted = {field: getattr(obj, field) for field in PRIVACY_FIELDS}
        obj.save(
            update_fields=[
                f.name
                for f in Site._meta.concrete_fields
                if not f.primary_key and f.name not in PRIVACY_FIELDS
            ]
        )
        site_privacy_settings_update(site=obj, actor=request.user, **wanted)

    @admin.display(description="GDPR checklist")
    def gdpr_checklist(self, obj: Site) -> str:
        if not obj.pk:
            return "Save the site to see its checklist."
        rows = [
            ("✓" if ok else "⚠" if item in CHECK_WARN_ONLY else "✗", item, detail)
            for item, ok, detail in site_gdpr_checklist(site=obj)
        ]
        items = format_html_join("", "<li>{} <strong>{}</strong>: {}</li>", rows)
        return format_html('<ul class="gdpr-checklist">{}</ul>', items)

    @admin.display(description="Preview")
    def widget_preview(self, obj: Site) -> str:
        if not obj.pk:
            return "Save the site to preview its widget."
        url = reverse("sites:widget-preview", kwargs={"site_key": obj.key})
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">Open the widget preview</a> (saved settings)', url
        )

    @admin.display(description="Visitors see")
    def chat_notice_preview(self, obj: Site) -> str:
        if not obj.pk:
            return "Save the site to see its notice."
        latest = ChatNoticeVersion.objects.filter(site=obj).order_by("-version").first()
        rows = [(code.upper(), text) for code, text in chat_notice_texts(site=obj).items()]
        return format_html(
            "<dl>{}</dl><p>Link: {} · latest version shown: {}</p>",
            format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows),
            chat_notice_link(site=obj),
            latest.version if latest else "none yet",
        )

    @admin.display(description="Cookie table (en, de, cs)")
    def cookie_table(self, obj: Site) -> str:
        key = obj.key if obj.pk else "<site_key>"
        tables = [
            render_to_string(
                "privacy/_storage_table.html", {"table": storage_table(language=code, site_key=key)}
            )
            for code in LANGUAGES
        ]
        return format_html_join(
            "",
            '<div class="cookie-table">{}<details><summary>HTML to copy</summary>'
            '<textarea readonly rows="6">{}</textarea></details></div>',
            ((mark_safe(html), html) for html in tables),  # noqa: S308 - our own rendered template
        )

    @admin.display(description="Embed snippet")
    def embed_snippet(self, obj: Site) -> str:
        from django.conf import settings

        if not obj.pk:
            return "Save the site to get its snippet."
        return f'<script src="{settings.PUBLIC_URL}/widget.js" data-site-key="{obj.key}" async></script>'


@admin.register(User)
class UserAdmin(MembershipFormsetMixin, BaseUserAdmin):
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

    def save_model(self, request, obj: User, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            agent_deactivate(agent=obj)  # closes the sockets the saved row no longer authorises

    def delete_model(self, request, obj: User) -> None:
        agent_sockets_close(agent_id=obj.pk, reason="deactivated")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for user_id in queryset.values_list("pk", flat=True):
            agent_sockets_close(agent_id=user_id, reason="deactivated")
        super().delete_queryset(request, queryset)
