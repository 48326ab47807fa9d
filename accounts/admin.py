from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from accounts import roles
from accounts.admin_tenancy import OperatorOnlyAdmin, TenantModelAdmin, TenantReadOnlyInline
from accounts.forms import SessionEndingUserPasswordForm
from accounts.models import Membership, Site, User
from accounts.selectors import membership_is_last_owner
from accounts.services import agent_deactivate, agent_sockets_close
from privacy.models import ChatNoticeVersion
from privacy.services.notice import chat_notice_link, chat_notice_texts
from privacy.services.site_deletion import (
    SiteDeletionRefused,
    site_delete,
    site_deletion_counts,
    site_deletion_refusal_text,
    site_legal_holds,
)
from privacy.services.site_settings import PRIVACY_FIELDS, site_privacy_settings_update
from privacy.services.team import (
    team_invitation_resend,
    team_member_invite,
    team_member_remove,
    team_member_role_set,
)
from privacy.services.texts import CHECK_WARN_ONLY, LANGUAGES, site_gdpr_checklist, storage_table

RETENTION_PRESETS = [(14, "14 days"), (90, "90 days"), (365, "1 year")]


class MembershipInline(TenantReadOnlyInline):
    """The team on the Site page, read only: it is managed on "Team members" (MembershipAdmin)."""

    model = Membership
    fields = ["user", "role", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "team (change it under Team members)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
            "last message (hourly, at :17). Visitors go within a day once they have no conversation left. "
            "Common choices: 14 days, 90 days, 1 year (365); any value from 1 to 3650 works.",
            "ip_handling": "What is stored of a visitor's IP address when the visitor opens the chat. "
            "Anonymised keeps the network only (203.0.113.77 is stored as 203.0.113.0).",
        }


@admin.register(Site)
class SiteAdmin(TenantModelAdmin):
    """Owners and admins change their sites' settings; only the operator adds sites, only owners delete."""

    site_path = "pk"
    add_roles = ()
    delete_roles = roles.OWNER_ROLES
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

    def get_actions(self, request):
        # One site at a time, through its delete page, which shows what goes and any legal hold.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_deleted_objects(self, objs, request):
        """The confirmation page: counts of what the erasure takes, or the legal holds that refuse it."""
        _deleted, _count, perms_needed, _protected = super().get_deleted_objects(objs, request)
        summary, protected = [], []
        for site in objs:
            counts = site_deletion_counts(site=site)
            summary.append(
                f"{site.name}: {counts['visitors']} visitor(s), {counts['conversations']} conversation(s), "
                f"{counts['messages']} message(s), {counts['exports']} pending export(s), "
                f"{counts['members']} team membership(s), with its tokens, webhooks and canned responses"
            )
            protected += site_legal_holds(site=site)
        # Related rows are deleted by site_delete, not by the admin: only the site's own permission counts.
        perms_needed = {p for p in perms_needed if p == str(Site._meta.verbose_name)}
        return summary, {}, perms_needed, protected

    def delete_model(self, request, obj: Site) -> None:
        try:
            counts = site_delete(site=obj, requested_by=request.user)
        except SiteDeletionRefused as exc:
            self.message_user(request, site_deletion_refusal_text(exc.reasons), messages.ERROR)
            return
        self.message_user(
            request, f"Erased {counts['conversations']} conversation(s) and {counts['visitors']} visitor(s)."
        )

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


class UserMembershipInline(MembershipInline):
    fields = readonly_fields = ["site", "role", "created_at"]
    verbose_name_plural = "sites (change them under Team members)"


@admin.register(User)
class UserAdmin(TenantModelAdmin, BaseUserAdmin):
    """The operator manages every account. Owners and admins see, read only, the members of their sites
    (never permission fields, nor a member's other sites); members edit themselves on the dashboard's
    account page."""

    add_roles = change_roles = delete_roles = ()
    change_password_form = SessionEndingUserPasswordForm
    ordering = ["email"]
    list_display = ["email", "display_name", "availability", "is_staff", "is_active"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Shown to visitors", {"fields": ["display_name", "photo", "availability", "language"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    member_fieldsets = [
        (None, {"fields": ["email"]}),
        ("Shown to visitors", {"fields": ["display_name", "photo", "availability"]}),
        ("Status", {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]})
    ]
    inlines = [UserMembershipInline]

    def scope(self, queryset, request, wanted_roles):
        if roles.is_operator(request.user):
            return queryset
        if not wanted_roles:
            return queryset.none()
        sites = roles.site_list_with_role(user=request.user, roles=wanted_roles)
        return queryset.filter(pk__in=Membership.objects.filter(site__in=sites).values("user_id"))

    def get_fieldsets(self, request, obj=None):
        if roles.is_operator(request.user):
            return super().get_fieldsets(request, obj)
        return self.member_fieldsets

    def get_inlines(self, request, obj):
        # A member's list of sites would name other tenants' sites.
        return self.inlines if roles.is_operator(request.user) else []

    def get_list_display(self, request):
        if roles.is_operator(request.user):
            return self.list_display
        return ["email", "display_name", "availability", "is_active"]

    def get_list_filter(self, request):
        if roles.is_operator(request.user):
            return super().get_list_filter(request)
        return ["is_active"]

    def save_model(self, request, obj: User, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            agent_deactivate(agent=obj)  # ends the logins the saved row no longer authorises

    def delete_model(self, request, obj: User) -> None:
        agent_sockets_close(agent_id=obj.pk, reason="deactivated")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for user_id in queryset.values_list("pk", flat=True):
            agent_sockets_close(agent_id=user_id, reason="deactivated")
        super().delete_queryset(request, queryset)


class MembershipInviteForm(forms.ModelForm):
    """Invite by e-mail: a new address gets an account and a set-password link (privacy.services.team)."""

    acting_user = None  # set by MembershipAdmin.get_form
    email = forms.EmailField(label="E-mail", help_text="The invitation goes to this address.")

    class Meta:
        model = Membership
        fields = ["site", "email", "role"]

    def clean(self):
        cleaned = super().clean()
        site, role, email = cleaned.get("site"), cleaned.get("role"), cleaned.get("email")
        if site is None or not role:
            return cleaned
        if role not in roles.roles_grantable(user=self.acting_user, site_id=site.pk):
            self.add_error("role", "Only the site's owners can make owners or admins.")
        if email and Membership.objects.filter(site=site, user__email__iexact=email.strip()).exists():
            self.add_error("email", "This address is already a member of the site.")
        return cleaned


class MembershipRoleForm(forms.ModelForm):
    acting_user = None  # set by MembershipAdmin.get_form

    class Meta:
        model = Membership
        fields = ["role"]

    def clean_role(self) -> str:
        role = self.cleaned_data["role"]
        if role not in roles.roles_grantable(user=self.acting_user, site_id=self.instance.site_id):
            raise forms.ValidationError("Only the site's owners can change roles.")
        if role != Membership.Role.OWNER and membership_is_last_owner(membership=self.instance):
            raise forms.ValidationError("A site needs an owner: make another member owner first.")
        return role


@admin.register(Membership)
class MembershipAdmin(TenantModelAdmin):
    """Team members: owners and admins invite; owners change roles and remove anyone; admins remove agents.

    Every change goes through privacy.services.team, which audits it; removal ends the member's logins.
    """

    change_roles = roles.OWNER_ROLES
    list_display = ["member", "member_name", "site", "role", "invitation", "created_at"]
    list_filter = ["role", "site"]
    list_select_related = ["user", "site"]
    search_fields = ["user__email", "user__display_name"]
    actions = ["resend_invitation"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = MembershipRoleForm if obj else MembershipInviteForm
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"acting_user": request.user})

    def get_fields(self, request, obj=None):
        return ["user", "site", "role"] if obj else ["site", "email", "role"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["user", "site"] if self.has_change_permission(request, obj) else ["user", "site", "role"]

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not roles.has_role_anywhere(
            user=request.user, roles=roles.OWNER_ROLES
        ):
            kwargs["choices"] = [(roles.AGENT, Membership.Role.AGENT.label)]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        if obj is None or roles.is_operator(request.user):
            return allowed
        return allowed and roles.may_remove_member(user=request.user, membership=obj)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        protected += [
            f"{m.user} is the last owner of {m.site}: make another member owner first."
            for m in objs
            if membership_is_last_owner(membership=m)
        ]
        return deleted, model_count, perms_needed, protected

    def save_model(self, request, obj: Membership, form, change: bool) -> None:
        if change:
            team_member_role_set(membership=obj, role=form.cleaned_data["role"], actor=request.user)
            return
        data = form.cleaned_data
        membership = team_member_invite(
            site=data["site"], email=data["email"], role=data["role"], invited_by=request.user
        )
        obj.pk, obj.user = membership.pk, membership.user

    def delete_model(self, request, obj: Membership) -> None:
        team_member_remove(membership=obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for membership in self.scope(queryset, request, self.delete_roles).select_related("user", "site"):
            if roles.is_operator(request.user) or roles.may_remove_member(
                user=request.user, membership=membership
            ):
                if not membership_is_last_owner(membership=membership):
                    team_member_remove(membership=membership, actor=request.user)

    @admin.display(description="member", ordering="user__email")
    def member(self, obj: Membership) -> str:
        return obj.user.email

    @admin.display(description="name", ordering="user__display_name")
    def member_name(self, obj: Membership) -> str:
        return obj.user.display_name

    @admin.display(description="invitation")
    def invitation(self, obj: Membership) -> str:
        return "accepted" if obj.user.has_usable_password() else "pending"

    @admin.action(description="Resend invitation")
    def resend_invitation(self, request, queryset):
        sent = sum(team_invitation_resend(membership=m, actor=request.user) for m in queryset)
        self.message_user(request, f"Invitation sent again to {sent} pending member(s).")


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(OperatorOnlyAdmin, BaseGroupAdmin):
    """Groups grant model permissions, which only the operator's account uses."""
