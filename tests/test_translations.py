"""Translations (README "Languages"): complete catalogs, compiled .mo files, translated pages.

The .mo files are committed so that `make run` needs no GNU gettext; these tests
fail when a .po file changed without `make messages` compiling it again, or
when an entry is left untranslated or fuzzy.
"""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from conversations.services import message_post_by_visitor

LOCALE = Path(settings.BASE_DIR) / "locale"
TRANSLATED = ["de", "cs"]
CATALOGS = [
    LOCALE / lang / "LC_MESSAGES" / f"{domain}.po" for lang in TRANSLATED for domain in ("django", "djangojs")
]
PLURAL_FORMS = {
    "de": "nplurals=2; plural=(n != 1);",
    "cs": "nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;",
}


def _catalog(entries) -> dict:
    """(context, msgid, msgid_plural) -> translation(s), for the entries a .mo file holds."""
    result = {}
    for e in entries:
        if e.obsolete or "fuzzy" in e.flags:
            continue
        key = (e.msgctxt, e.msgid, e.msgid_plural or None)
        result[key] = (
            tuple(e.msgstr_plural[i] for i in sorted(e.msgstr_plural)) if e.msgid_plural else e.msgstr
        )
    return result


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: f"{p.parent.parent.name}-{p.stem}")
def test_every_entry_is_translated_and_none_is_fuzzy(po_path):
    po = polib.pofile(str(po_path))

    assert len(po) > 0
    assert po.metadata["Plural-Forms"] == PLURAL_FORMS[po_path.parent.parent.name]
    untranslated = [e.msgid for e in po if not e.obsolete and not e.translated()]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert untranslated == [] and fuzzy == []
    for e in po:
        if e.msgid_plural:
            nplurals = 2 if po_path.parent.parent.name == "de" else 3
            assert len(e.msgstr_plural) == nplurals and all(e.msgstr_plural.values()), e.msgid


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: f"{p.parent.parent.name}-{p.stem}")
def test_the_committed_mo_file_is_compiled_from_the_po_file(po_path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run `make messages`"

    committed = polib.mofile(str(mo_path))
    source = polib.pofile(str(po_path))

    assert _catalog(committed) == _catalog(source), f"{mo_path} is stale: run `make messages`"


@pytest.fixture
def conversation(visitor, bob):
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hallo")
    return message.conversation


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        ("de", ["Posteingang", "Gespräch beenden", "Interne Notiz", "Antwort schreiben …", "Abmelden"]),
        ("cs", ["Schránka", "Uzavřít konverzaci", "Interní poznámka", "Napište odpověď…", "Odhlásit se"]),
    ],
)
def test_the_dashboard_follows_the_browsers_language(client, bob, conversation, lang, texts):
    client.force_login(bob)

    page = client.get(reverse("dashboard:conversation", args=[conversation.pk]), HTTP_ACCEPT_LANGUAGE=lang)

    html = page.content.decode()
    assert f'<html lang="{lang}">' in html
    for text in texts:
        assert text in html
    assert "Close conversation" not in html and "Log out" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        ("de", ["Melden Sie sich bei Ihrem Posteingang an", "Passwort"]),
        ("cs", ["Přihlaste se do své schránky", "Heslo"]),
    ],
)
def test_the_login_page_follows_the_browsers_language(client, lang, texts):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=f"{lang},en;q=0.5").content.decode()

    for text in texts:
        assert text in html
    assert "Sign in to your inbox" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        ("de", ["Betroffene Personen", "Suchen", "1 Ergebnis", "Zuletzt gesehen"]),
        ("cs", ["Subjekty údajů", "Hledat", "1 výsledek", "Naposledy viděn"]),
    ],
)
def test_the_dpo_search_follows_the_browsers_language(client, alice, visitor, lang, texts):
    visitor.name = "Jo Tester"
    visitor.save(update_fields=["name"])
    client.force_login(alice)

    html = client.post(reverse("privacy:dpo"), {"q": "Jo Tester"}, HTTP_ACCEPT_LANGUAGE=lang).content.decode()

    for text in texts:
        assert text in html


@pytest.mark.django_db
def test_the_language_picked_in_the_top_bar_wins_over_the_browser(client, bob):
    client.force_login(bob)

    response = client.post(reverse("set_language"), {"language": "cs", "next": "/dashboard/"})
    html = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert '<html lang="cs">' in html and "Schránka" in html


@pytest.mark.django_db
def test_the_javascript_catalog_has_the_dashboard_strings(client):
    js = client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "Interne Notiz" in js and "Verbunden" in js


def test_czech_plurals_use_three_forms():
    from django.utils import translation

    with translation.override("cs"):
        forms = [
            translation.ngettext("%(count)d message", "%(count)d messages", n) % {"count": n}
            for n in (1, 3, 5)
        ]

    assert forms == ["1 zpráva", "3 zprávy", "5 zpráv"]
