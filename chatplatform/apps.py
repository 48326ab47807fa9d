from django.contrib.admin.apps import AdminConfig


class ChatAdminConfig(AdminConfig):
    """Django's admin on the site-aware AdminSite (accounts.admin_tenancy), so `admin.site` is that one."""

    default_site = "accounts.admin_tenancy.TenantAdminSite"
