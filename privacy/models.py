"""Records the DPO works with: data-subject requests, exports and the audit log."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Site

ART_12_DAYS = 30  # Art. 12(3) GDPR: answer within one month.


class WrittenOnceModel(models.Model):
    """A record that is evidence: written once, never changed or deleted (single-row invariant)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError(f"{self._meta.verbose_name_plural.capitalize()} cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{self._meta.verbose_name_plural.capitalize()} cannot be deleted.")


class AuditLogEntry(WrittenOnceModel):
    """Append-only record of who did what. Holds no personal data of the subject.

    The subject appears only as `subject_ref`, a keyed hash (HMAC of the
    visitor's public id with SECRET_KEY), so an entry can be matched to a
    later request about the same visitor but not turned back into them.
    """

    class Action(models.TextChoices):
        EXPORT = "export", "Data-subject export"
        EXPORT_DOWNLOAD = "export_download", "Export downloaded"
        ERASE = "erase", "Data-subject erasure"
        RECTIFY = "rectify", "Contact data rectified"
        RESTRICT = "restrict", "Processing restricted"
        UNRESTRICT = "unrestrict", "Restriction lifted"
        PURGE = "purge", "Retention purge"
        SETTINGS = "settings", "Privacy settings changed"
        REQUEST = "request", "Data-subject request recorded"
        DPA_ACCEPT = "dpa_accept", "Data processing agreement accepted"
        TEAM = "team", "Team changed"
        SITE_DELETE = "site_delete", "Site deleted"

    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who it was even after the account is gone; "system" for beat tasks.
    actor_label = models.CharField(max_length=254, editable=False)
    action = models.CharField(max_length=20, choices=Action.choices, editable=False)
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    subject_ref = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # Counts and setting names only: {"messages": 12} or {"retention_days": [365, 90]}.
    details = models.JSONField(default=dict, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "audit log"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} by {self.actor_label}"


def _due_in_30_days():
    return timezone.now() + timedelta(days=ART_12_DAYS)


class DataSubjectRequest(models.Model):
    """A request under Art. 15-18/20 GDPR, tracked until it is answered."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("Access / portability (Art. 15, 20)")
        ERASURE = "erasure", _("Erasure (Art. 17)")
        RECTIFICATION = "rectification", _("Rectification (Art. 16)")
        RESTRICTION = "restriction", _("Restriction (Art. 18)")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        REJECTED = "rejected", _("Rejected")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="subject_requests")
    # Cleared when the visitor is erased; subject_ref still ties the request to the audit log.
    visitor = models.ForeignKey(
        "conversations.Visitor", null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    subject_ref = models.CharField(max_length=64, blank=True, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    received_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(default=_due_in_30_days)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="Internal note. Do not paste the subject's data here.")

    class Meta:
        ordering = ["status", "due_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} request #{self.pk}"


class SubjectExport(models.Model):
    """A ZIP of one subject's data, downloadable once by the admin who asked for it."""

    request = models.ForeignKey(DataSubjectRequest, null=True, blank=True, on_delete=models.SET_NULL)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    subject_ref = models.CharField(max_length=64, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Relative to PRIVACY_EXPORT_ROOT, never under MEDIA_ROOT (that may be served publicly).
    file_name = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    downloaded_at = models.DateTimeField(null=True, blank=True)


class DPAVersion(models.Model):
    """One version of the data processing agreement (Art. 28) between the operator and site owners.

    Frozen once a site has accepted it: what was accepted must stay readable as it was.
    Publish a new version instead of editing an accepted one.
    """

    version = models.CharField(max_length=40, unique=True, help_text='A label such as "2026-01".')
    text = models.TextField()
    effective_date = models.DateField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-effective_date", "-pk"]
        verbose_name = "DPA version"

    def __str__(self) -> str:
        return f"DPA {self.version}"

    @property
    def is_accepted(self) -> bool:
        return self.pk is not None and self.acceptances.exists()

    def save(self, *args, **kwargs):
        # Single-row invariant: an accepted version is never changed.
        if self.pk is not None and DPAAcceptance.objects.filter(version_id=self.pk).exists():
            raise ValueError("An accepted DPA version cannot be changed; publish a new version.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_accepted:
            raise ValueError("An accepted DPA version cannot be deleted.")
        return super().delete(*args, **kwargs)


class DPAAcceptance(WrittenOnceModel):
    """A site owner accepted one DPA version for one site. Written once by dpa_accept, never changed."""

    # Kept when the site is deleted (evidence of the contract): the FK is cleared, the label stays.
    site = models.ForeignKey(Site, null=True, on_delete=models.SET_NULL, related_name="dpa_acceptances")
    site_label = models.CharField(max_length=200, blank=True)
    version = models.ForeignKey(DPAVersion, on_delete=models.PROTECT, related_name="acceptances")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who it was even after the account is gone.
    accepted_by_label = models.CharField(max_length=254)
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-accepted_at", "-pk"]
        verbose_name = "DPA acceptance"
        constraints = [models.UniqueConstraint(fields=["site", "version"], name="one_acceptance_per_version")]

    def __str__(self) -> str:
        return f"{self.site or self.site_label} accepted DPA {self.version.version}"


class SubProcessor(models.Model):
    """A sub-processor the operator uses (hosting, e-mail, ...). Active ones appear in the privacy texts."""

    class Transfer(models.TextChoices):
        EU = "eu", "Within the EU/EEA"
        ADEQUACY = "adequacy", "Adequacy decision (Art. 45)"
        SCC = "scc", "Standard contractual clauses (Art. 46)"

    name = models.CharField(max_length=200)
    purpose = models.CharField(
        max_length=300, help_text='What it does for this installation, e.g. "Server hosting".'
    )
    data_categories = models.TextField(help_text="Which personal data it can access.")
    location = models.CharField(max_length=200, help_text='Where it processes the data, e.g. "Germany".')
    transfer_mechanism = models.CharField(max_length=10, choices=Transfer.choices, default=Transfer.EU)
    active = models.BooleanField(default=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "sub-processor"

    def __str__(self) -> str:
        return self.name


class ChatNoticeVersion(WrittenOnceModel):
    """The in-chat privacy notice of a site as visitors saw it, in every language.

    privacy.services.notice writes a new version whenever the text or link
    changes; conversations and consent records point at the version shown.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="chat_notice_versions")
    version = models.PositiveIntegerField()
    texts = models.JSONField(help_text='{"en": "...", "de": "...", "cs": "..."}')
    link = models.URLField(max_length=500)
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["site", "-version"]
        verbose_name = "chat notice version"
        constraints = [models.UniqueConstraint(fields=["site", "version"], name="one_notice_version_number")]

    def __str__(self) -> str:
        return f"{self.site} notice v{self.version}"


class ConsentRecord(WrittenOnceModel):
    """What a visitor's browser consented to (analytics, marketing) and when. Functional needs none.

    Written by privacy.services.consent when the state changes; erased with the visitor.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    visitor = models.ForeignKey(
        "conversations.Visitor", on_delete=models.CASCADE, related_name="consent_records"
    )
    analytics = models.BooleanField()
    marketing = models.BooleanField()
    notice_version = models.ForeignKey(
        ChatNoticeVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"consent #{self.pk}"
