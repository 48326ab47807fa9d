import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import pgettext_lazy

from chatplatform.lib.origins import normalize_origin


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """An agent or site owner; logs in with e-mail and password."""

    class Availability(models.TextChoices):
        ONLINE = "online", "Online"
        AWAY = "away", "Away"

    username = None
    email = models.EmailField("e-mail address", unique=True)
    display_name = models.CharField(max_length=80, blank=True, help_text="Shown to visitors.")
    photo = models.ImageField(upload_to="agents/", blank=True, help_text="Shown to visitors.")
    availability = models.CharField(max_length=10, choices=Availability.choices, default=Availability.ONLINE)
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text="The dashboard's language; empty: the browser's.",
    )
    # Raised by accounts.services.agent_sessions_end: part of the session hash, so every
    # login made before (and every socket opened with its cookie) stops working at once.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    def __str__(self) -> str:
        return self.email

    def _get_session_auth_hash(self, secret=None):
        # Django keys sessions to the password hash; the epoch ends them without a new password.
        # Epoch 0 hashes exactly as Django does, so existing logins survive the upgrade.
        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "accounts.User.session_epoch",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def public_name(self) -> str:
        return self.display_name or self.first_name or "Agent"

    @property
    def photo_url(self) -> str | None:
        if not self.photo:
            return None
        return f"{settings.PUBLIC_URL}{self.photo.url}"


def new_site_key() -> str:
    return "site_" + secrets.token_urlsafe(16)


class Site(models.Model):
    """A customer website that embeds the widget."""

    name = models.CharField(max_length=120)
    key = models.CharField(max_length=40, unique=True, default=new_site_key, editable=False)
    allowed_origins = models.TextField(
        help_text="One origin a line, e.g. https://www.example.com. "
        "The widget only connects from these pages."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # --- Privacy settings (changes are audited by privacy.services) ---
    class IpHandling(models.TextChoices):
        OFF = "off", "Off: never stored"
        ANONYMISED = "anonymised", "Anonymised (IPv4 last octet, IPv6 last 80 bits zeroed)"
        FULL = "full", "Full address"

    retention_days = models.PositiveIntegerField(
        default=365,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="Conversations, messages and visitors are deleted this many days after last activity.",
    )
    ip_handling = models.CharField(
        "IP handling", max_length=12, choices=IpHandling.choices, default=IpHandling.OFF
    )
    # Shown in the generated privacy texts (privacy.services.texts); not audited.
    privacy_policy_url = models.URLField(
        "privacy policy URL", blank=True, help_text="The site's own privacy policy, which should link ours."
    )
    controller_name = models.CharField(
        max_length=200, blank=True, help_text="The site owner's company: the controller under the GDPR."
    )
    controller_contact = models.CharField(
        max_length=300, blank=True, help_text="Postal address or e-mail of the controller."
    )
    # --- In-chat privacy notice (privacy.services.notice versions what visitors saw) ---
    chat_notice_enabled = models.BooleanField(
        "show privacy notice in the chat",
        default=True,
        help_text="A short notice above the first message, linking the privacy policy.",
    )
    chat_notice_en = models.TextField(
        "chat notice (English)", blank=True, help_text="Leave empty for the generated text."
    )
    chat_notice_de = models.TextField(
        "chat notice (German)", blank=True, help_text="Leave empty for the generated text."
    )
    chat_notice_cs = models.TextField(
        "chat notice (Czech)", blank=True, help_text="Leave empty for the generated text."
    )
    # --- Automated message: marketing, shown only with the visitor's marketing consent ---
    auto_message = models.CharField(
        "automated message",
        max_length=300,
        blank=True,
        help_text="Offered in a bubble once a visit; only to visitors who gave marketing consent.",
    )
    auto_message_delay_seconds = models.PositiveIntegerField(default=20, validators=[MaxValueValidator(3600)])

    # --- Routing of new conversations (conversations.services) ---
    class Routing(models.TextChoices):
        ROUND_ROBIN = "round_robin", "Round robin among online agents"
        MANUAL = "manual", "Manual: new chats wait unassigned"

    routing = models.CharField(
        max_length=12,
        choices=Routing.choices,
        default=Routing.ROUND_ROBIN,
        help_text="Round robin gives a new chat to the online member who got one longest ago.",
    )

    # --- Pre-chat form: what the widget asks before the first message (data minimisation: off) ---
    class Ask(models.TextChoices):
        OFF = "off", "Don't ask"
        OPTIONAL = "optional", "Optional"
        REQUIRED = "required", "Required"

    prechat_name = models.CharField("ask for name", max_length=8, choices=Ask.choices, default=Ask.OFF)
    prechat_email = models.CharField("ask for e-mail", max_length=8, choices=Ask.choices, default=Ask.OFF)
    prechat_phone = models.CharField("ask for phone", max_length=8, choices=Ask.choices, default=Ask.OFF)
    notification_email = models.EmailField(
        "notification address",
        blank=True,
        help_text="Messages left while no agent is online are e-mailed here.",
    )

    # --- Widget look ---
    class Position(models.TextChoices):
        RIGHT = "right", "Bottom right"
        LEFT = "left", "Bottom left"

    theme_color = models.CharField(
        "colour",
        max_length=7,
        default="#2563eb",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Give a colour like #2563eb.")],
    )
    widget_position = models.CharField(
        "position", max_length=5, choices=Position.choices, default=Position.RIGHT
    )
    greeting = models.CharField(
        max_length=300, blank=True, help_text="First line in the chat window; empty for the built-in one."
    )
    logo = models.ImageField(upload_to="sites/", blank=True, help_text="Shown in the chat header.")

    def __str__(self) -> str:
        return self.name

    @property
    def prechat_fields(self) -> dict[str, str]:
        return {"name": self.prechat_name, "email": self.prechat_email, "phone": self.prechat_phone}

    @property
    def logo_url(self) -> str | None:
        return f"{settings.PUBLIC_URL}{self.logo.url}" if self.logo else None

    @property
    def origin_list(self) -> list[str]:
        return [line.strip() for line in self.allowed_origins.splitlines() if line.strip()]

    def clean(self) -> None:
        try:
            origins = [normalize_origin(o) for o in self.origin_list]
        except ValueError as exc:
            raise ValidationError({"allowed_origins": str(exc)}) from exc
        if not origins:
            raise ValidationError({"allowed_origins": "Give at least one origin."})
        self.allowed_origins = "\n".join(dict.fromkeys(origins))

    def allows_origin(self, origin: str | None) -> bool:
        if not origin:
            return False
        try:
            return normalize_origin(origin) in self.origin_list
        except ValueError:
            return False


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", pgettext_lazy("role", "Owner")
        ADMIN = "admin", pgettext_lazy("role", "Admin")
        AGENT = "agent", pgettext_lazy("role", "Agent")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.AGENT)
    created_at = models.DateTimeField(auto_now_add=True)
    # When this member last got a conversation of this site; round robin picks the oldest (never first).
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "site"], name="one_membership_per_site")]
        verbose_name = "team member"

    def __str__(self) -> str:
        return f"{self.user} @ {self.site} ({self.role})"


class AgentConnection(models.Model):
    """One open agent socket, so presence works across several daphne processes.

    A row whose heartbeat is older than CHAT_PRESENCE_TTL_SECONDS belongs to a
    process that died without closing it and no longer counts.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="connections")
    channel_name = models.CharField(max_length=200, unique=True)
    last_seen_at = models.DateTimeField(db_index=True)
