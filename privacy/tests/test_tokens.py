from datetime import datetime, timedelta

from django.utils import timezone

from privacy.models import SubjectExport
from privacy.tokens import EXPIRED, INVALID, VALID, ExportLinkTokenGenerator


class FrozenGenerator(ExportLinkTokenGenerator):
    def __init__(self, now: datetime):
        self.now = now

    def _now(self) -> datetime:
        return self.now


def make_export(visitor, user) -> SubjectExport:
    now = timezone.now()
    return SubjectExport.objects.create(
        site=visitor.site,
        subject_ref="ref",
        requested_by=user,
        file_name="x.zip",
        expires_at=now + timedelta(hours=24),
    )


def test_a_token_is_valid_until_it_expires(visitor, alice, settings):
    settings.PRIVACY_EXPORT_LINK_HOURS = 2
    export = make_export(visitor, alice)
    start = datetime(2026, 11, 27, 12, 0)
    token = FrozenGenerator(start).make_token(export)

    assert FrozenGenerator(start + timedelta(hours=2)).token_state(export, token) == VALID
    assert FrozenGenerator(start + timedelta(hours=2, seconds=1)).token_state(export, token) == EXPIRED


def test_a_token_stops_working_once_downloaded_and_is_bound_to_the_export_and_requester(visitor, alice, bob):
    export, other = make_export(visitor, alice), make_export(visitor, bob)
    generator = ExportLinkTokenGenerator()
    token = generator.make_token(export)

    assert generator.check_token(export, token)
    assert generator.token_state(other, token) == INVALID
    export.requested_by = bob
    assert generator.token_state(export, token) == INVALID
    export.requested_by = alice
    export.downloaded_at = timezone.now()
    assert generator.token_state(export, token) == INVALID
    assert generator.token_state(export, "garbage") == INVALID
    assert generator.token_state(export, None) == INVALID
