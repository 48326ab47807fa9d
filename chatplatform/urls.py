from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog
from django.views.static import serve

from accounts import views as account_views
from accounts.forms import AccessCheckedAdminLoginForm
from conversations import views as conversation_views

# Both login pages count failed attempts (accounts/login_throttle.py); the admin's lets in the
# operator and owners and admins of a site (accounts.roles), whatever their is_staff.
admin.site.login_form = AccessCheckedAdminLoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        account_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/invitation/<uidb64>/<token>/",
        account_views.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
    # The language picker's form posts here (django.views.i18n.set_language).
    path("i18n/", include("django.conf.urls.i18n")),
    # dashboard.js's strings in the active language, loaded as a same-origin <script> (CSP).
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("dashboard/account/", account_views.account, name="account"),
    path("dashboard/", include("conversations.urls")),
    path("privacy/", include("privacy.urls")),
    path("sites/", include("accounts.urls")),
    path("api/v1/", include("integrations.urls")),
    path("widget.js", conversation_views.widget_js, name="widget-js"),
    path("transcript/<str:token>/", conversation_views.transcript_confirm, name="transcript-confirm"),
    path("healthz", conversation_views.healthz, name="healthz"),
    path("", conversation_views.home, name="home"),
]


def serve_media(request, path):
    # Trap: reads MEDIA_ROOT per request; a document_root bound at import would
    # ignore settings overrides made after the first import of this module.
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.SERVE_MEDIA:
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve_media)]
