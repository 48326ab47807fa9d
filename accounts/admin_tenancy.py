"""The site-aware Django admin: every page shows and accepts only objects of the user's sites.

The operator (superuser) gets Django's admin as usual. Everybody else reaches it
through a membership (accounts.roles): owners and admins of at least one site,
without `is_staff` or any model permission ticked by hand. For them:

- `TenantModelAdmin` filters rows by `site_path` (the lookup from the model to
  its Site) to the sites where they hold the roles the admin asks for (view,
  add, change, delete), so changelists, change, delete and history pages,
  actions and autocomplete all see the same rows; any other id is a 404.
- Every foreign-key and many-to-many choice comes from the related model's own
  scoped admin; a related model without one offers no choices at all.
- Plain related-field filters list only values present in the scoped rows.
- `OperatorOnlyAdmin` is for installation-wide models (DPA versions,
  sub-processors, groups): the operator's alone.

tests/test_admin_tenancy.py enumerates every registered admin and fails for one
that is neither, so a new admin cannot skip this.
"""

from django.contrib import admin
from django.contrib.admin.filters import RelatedOnlyFieldListFilter
from django.db import models
from django.http import Http404

from accounts import roles


class TenantAdminSite(admin.AdminSite):
    site_header = "Live chat administration"
    site_title = "Live chat admin"
    index_title = "Your sites"

    def has_permission(self, request) -> bool:
        return roles.may_use_admin(request.user)

    def password_change(self, request, extra_context=None):
        """Django's page, with a form that ends the account's other logins (accounts.services)."""
        from django.contrib.auth.views import PasswordChangeView
        from django.urls import reverse

        from accounts.forms import SessionEndingAdminPasswordChangeForm

        request.current_app = self.name
        return PasswordChangeView.as_view(
            form_class=SessionEndingAdminPasswordChangeForm,
            success_url=reverse("admin:password_change_done", current_app=self.name),
            extra_context={**self.each_context(request), **(extra_context or {})},
        )(request)


def _scoped_choices(admin_site, model, request) -> models.QuerySet:
    related_admin = admin_site._registry.get(model)
    if isinstance(related_admin, TenantModelAdmin):
        return related_admin.get_queryset(request)
    return model._default_manager.none()


class TenantFieldsMixin:
    """Foreign-key and many-to-many choices scoped for members; shared by model admins and inlines."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not roles.is_operator(request.user) and "queryset" not in kwargs:
            kwargs["queryset"] = _scoped_choices(self.admin_site, db_field.remote_field.model, request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if not roles.is_operator(request.user) and "queryset" not in kwargs:
            kwargs["queryset"] = _scoped_choices(self.admin_site, db_field.remote_field.model, request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class TenantModelAdmin(TenantFieldsMixin, admin.ModelAdmin):
    """A ModelAdmin whose rows belong to sites; see the module docstring.

    Subclasses set `site_path` and the roles of each permission; an empty tuple
    means nobody but the operator. A subclass may still refuse more (read-only
    admins return False from has_change_permission), never allow more.
    """

    site_path = "site"
    view_roles: tuple[str, ...] = roles.MANAGER_ROLES
    add_roles: tuple[str, ...] = roles.MANAGER_ROLES
    change_roles: tuple[str, ...] = roles.MANAGER_ROLES
    delete_roles: tuple[str, ...] = roles.MANAGER_ROLES

    def scope(self, queryset, request, wanted_roles: tuple[str, ...]):
        """`queryset` cut down to rows of sites where the user holds one of `wanted_roles`."""
        if roles.is_operator(request.user):
            return queryset
        if not wanted_roles:
            return queryset.none()
        sites = roles.site_list_with_role(user=request.user, roles=wanted_roles)
        return queryset.filter(**{f"{self.site_path}__in": sites})

    def get_queryset(self, request):
        return self.scope(super().get_queryset(request), request, self.view_roles + self.change_roles)

    def get_object(self, request, object_id, from_field=None):
        # Django redirects to the index with "doesn't exist" for an id outside the queryset;
        # a plain 404 tells another site's owner nothing, whatever the URL.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def get_changeform_initial_data(self, request):
        """A member of a single site gets it preselected in every add form."""
        initial = super().get_changeform_initial_data(request)
        if self.site_path == "site" and "site" not in initial and not roles.is_operator(request.user):
            sites = list(roles.site_list_with_role(user=request.user, roles=self.add_roles)[:2])
            if len(sites) == 1:
                initial["site"] = sites[0].pk
        return initial

    def get_deleted_objects(self, objs, request):
        """Django's summary, refused for any selected row the user may not delete (bulk action too)."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if any(not self.has_delete_permission(request, obj) for obj in objs):
            perms_needed = {*perms_needed, str(self.model._meta.verbose_name)}
        return deleted, model_count, perms_needed, protected

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, self.scope(queryset, request, self.delete_roles))

    def get_list_filter(self, request):
        # A plain related filter lists every row of the related table; this one only those in use here.
        return [
            (name, RelatedOnlyFieldListFilter) if self._is_relation(name) else name
            for name in super().get_list_filter(request)
        ]

    def _is_relation(self, name) -> bool:
        if not isinstance(name, str):
            return False
        try:
            field = self.model._meta.get_field(name)
        except Exception:
            return False
        return bool(field.is_relation and field.many_to_one)

    def _allows(self, request, wanted_roles: tuple[str, ...], obj=None) -> bool:
        user = request.user
        if not wanted_roles or not roles.may_use_admin(user):
            return False
        if obj is None:
            return roles.has_role_anywhere(user=user, roles=wanted_roles)
        return self.scope(self.model._default_manager.filter(pk=obj.pk), request, wanted_roles).exists()

    def has_module_permission(self, request) -> bool:
        if roles.is_operator(request.user):
            return super().has_module_permission(request)
        return self._allows(request, self.view_roles + self.change_roles)

    def has_view_permission(self, request, obj=None) -> bool:
        if roles.is_operator(request.user):
            return super().has_view_permission(request, obj)
        return self._allows(request, self.view_roles + self.change_roles, obj)

    def has_add_permission(self, request) -> bool:
        if roles.is_operator(request.user):
            return super().has_add_permission(request)
        return self._allows(request, self.add_roles)

    def has_change_permission(self, request, obj=None) -> bool:
        if roles.is_operator(request.user):
            return super().has_change_permission(request, obj)
        return self._allows(request, self.change_roles, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if roles.is_operator(request.user):
            return super().has_delete_permission(request, obj)
        return self._allows(request, self.delete_roles, obj)


class TenantReadOnlyInline(TenantFieldsMixin, admin.TabularInline):
    """An inline that members only read; the operator edits it as usual. Rows come with their parent."""

    def has_add_permission(self, request, obj=None) -> bool:
        return roles.is_operator(request.user) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return roles.is_operator(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return roles.is_operator(request.user) and super().has_delete_permission(request, obj)

    def has_view_permission(self, request, obj=None) -> bool:
        # The parent page was already scoped; a member who sees the parent sees its rows.
        return roles.is_operator(request.user) or roles.may_use_admin(request.user)


class OperatorOnlyAdmin(admin.ModelAdmin):
    """Installation-wide records: the operator's alone."""

    def has_module_permission(self, request) -> bool:
        return roles.is_operator(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return roles.is_operator(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request) -> bool:
        return roles.is_operator(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return roles.is_operator(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return roles.is_operator(request.user) and super().has_delete_permission(request, obj)
