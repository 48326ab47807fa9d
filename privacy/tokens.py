"""One-time links for subject exports, modelled on django.contrib.auth.tokens.

The token is `<timestamp>-<hmac>`; the HMAC covers the export's id, the
requesting admin's id, `downloaded_at` and the timestamp. So a link stops
working once the export was downloaded (downloaded_at changes), is useless
to anyone but the requester, and expires after PRIVACY_EXPORT_LINK_HOURS.
The token names no person: it may travel in the URL.
"""

from datetime import datetime

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import base36_to_int, int_to_base36

VALID, EXPIRED, INVALID = "valid", "expired", "invalid"


class ExportLinkTokenGenerator:
    key_salt = "privacy.tokens.ExportLinkTokenGenerator"
    algorithm = "sha256"

    @property
    def secret(self) -> str:
        return settings.SECRET_KEY

    @property
    def secret_fallbacks(self) -> list[str]:
        return list(getattr(settings, "SECRET_KEY_FALLBACKS", []))

    @property
    def timeout_seconds(self) -> int:
        return settings.PRIVACY_EXPORT_LINK_HOURS * 3600

    def make_token(self, export) -> str:
        return self._make_token_with_timestamp(export, self._num_seconds(self._now()), self.secret)

    def check_token(self, export, token: str | None) -> bool:
        return self.token_state(export, token) == VALID

    def token_state(self, export, token: str | None) -> str:
        """VALID, EXPIRED (genuine but too old) or INVALID (forged, used, or for someone else)."""
        if not (export and token) or not isinstance(token, str):
            return INVALID
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return INVALID
        for secret in [self.secret, *self.secret_fallbacks]:
            if constant_time_compare(self._make_token_with_timestamp(export, ts, secret), token):
                break
        else:
            return INVALID
        if self._num_seconds(self._now()) - ts > self.timeout_seconds:
            return EXPIRED
        return VALID

    def _make_token_with_timestamp(self, export, timestamp: int, secret: str) -> str:
        ts_b36 = int_to_base36(timestamp)
        hash_string = salted_hmac(
            self.key_salt, self._make_hash_value(export, timestamp), secret=secret, algorithm=self.algorithm
        ).hexdigest()[::2]
        return f"{ts_b36}-{hash_string}"

    def _make_hash_value(self, export, timestamp: int) -> str:
        downloaded = "" if export.downloaded_at is None else export.downloaded_at.replace(microsecond=0)
        return f"{export.pk}{export.requested_by_id}{downloaded}{timestamp}"

    def _num_seconds(self, dt: datetime) -> int:
        return int((dt - datetime(2001, 1, 1)).total_seconds())

    def _now(self) -> datetime:
        # Used for mocking in tests.
        return datetime.now()


export_link_token_generator = ExportLinkTokenGenerator()
