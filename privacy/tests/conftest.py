import pytest


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    """Subject exports go to a fresh folder per test."""
    settings.PRIVACY_EXPORT_ROOT = tmp_path / "exports"
    return settings.PRIVACY_EXPORT_ROOT
