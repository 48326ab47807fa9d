import datetime

import pytest

from privacy.models import DPAVersion


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    """Subject exports go to a fresh folder per test."""
    settings.PRIVACY_EXPORT_ROOT = tmp_path / "exports"
    return settings.PRIVACY_EXPORT_ROOT


@pytest.fixture
def dpa_version(db):
    """The DPA version in force."""
    return DPAVersion.objects.create(
        version="2026-01",
        text="The processor processes data only on documented instructions.",
        effective_date=datetime.date(2020, 1, 1),
    )
