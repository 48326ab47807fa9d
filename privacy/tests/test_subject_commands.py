import zipfile
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from conversations.models import Message, Visitor
from privacy.models import AuditLogEntry, SubjectExport
from privacy.tests.subjects_helpers import MARKER_NEEDLES, MARKERS, chat, give_contact_data


@pytest.fixture
def subject(visitor, bob):
    give_contact_data(visitor)
    chat(visitor, bob)
    return visitor


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_erase_is_a_dry_run_by_default(subject, alice):
    output = run(
        "erase_subject", "--site", subject.site.key, "--email", MARKERS["email"], "--actor", alice.email
    )

    assert "Dry run" in output and "4 message(s)" in output
    assert Visitor.objects.filter(pk=subject.pk).exists() and Message.objects.count() == 4
    assert not AuditLogEntry.objects.exists()
    assert not any(n in output.lower() for n in MARKER_NEEDLES)


def test_erase_for_real_deletes_and_names_the_actor(subject, alice):
    args = ["--site", subject.site.key, "--visitor", str(subject.public_id), "--actor", alice.email]
    output = run("erase_subject", *args, "--for-real")

    assert "Erased" in output and not Visitor.objects.filter(pk=subject.pk).exists()
    assert AuditLogEntry.objects.get(action="erase").actor == alice


def test_export_writes_the_zip_and_prints_only_its_path(
    subject, alice, tmp_path, django_capture_on_commit_callbacks
):
    args = ["--site", subject.site.key, "--email", MARKERS["email"], "--actor", alice.email]
    with django_capture_on_commit_callbacks(execute=True):
        output = run("export_subject", *args, "--out", str(tmp_path))

    path = output.strip()
    with zipfile.ZipFile(path) as archive:
        assert MARKERS["body"] in archive.read("data.json").decode()
    assert not any(n in output.lower() for n in MARKER_NEEDLES)
    assert SubjectExport.objects.get().downloaded_at is not None
    assert list(AuditLogEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "export",
        "export_download",
    ]


def test_commands_refuse_agents_and_other_sites(subject, bob, charlie, site_b):
    for actor, site in [(bob, subject.site), (charlie, site_b), (charlie, subject.site)]:
        with pytest.raises(CommandError):
            run(
                "erase_subject",
                "--site",
                site.key,
                "--email",
                MARKERS["email"],
                "--actor",
                actor.email,
                "--for-real",
            )
    with pytest.raises(CommandError):
        run("erase_subject", "--site", site_b.key, "--visitor", str(subject.public_id), "--actor", "nobody@x")
    assert Visitor.objects.filter(pk=subject.pk).exists()


def test_a_subject_of_another_site_is_not_found(subject, site_b, django_user_model):
    root = django_user_model.objects.create_superuser(email="root@example.com", password="x-long-pass")
    with pytest.raises(CommandError, match="No visitor"):
        run("erase_subject", "--site", site_b.key, "--visitor", str(subject.public_id), "--actor", root.email)
