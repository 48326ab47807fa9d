from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Sites and agents"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from accounts.receivers import close_sockets_on_logout

        # Open dashboard sockets of this login close at logout (any logout view, admin too).
        user_logged_out.connect(close_sockets_on_logout, dispatch_uid="accounts.close_sockets_on_logout")
