import pytest

from accounts.models import Site
from privacy.models import SubProcessor
from privacy.services.texts import language_pick, privacy_paragraph

LANGUAGES = ["en", "de", "cs"]


@pytest.fixture(autouse=True)
def operator_settings(settings):
    settings.PRIVACY_OPERATOR_NAME = "Example Hosting GmbH"
    settings.PRIVACY_OPERATOR_ADDRESS = "Musterstrasse 1, 20095 Hamburg"
    settings.PRIVACY_DPO_CONTACT = "dpo@hosting.example"
    settings.PRIVACY_DATA_LOCATION = "Germany (EU)"


def text(site, language):
    site.refresh_from_db()
    return privacy_paragraph(site=site, language=language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_states_the_retention_days_of_the_site(site_a, language):
    site_a.retention_days = 14
    site_a.save()
    before = text(site_a, language)

    Site.objects.filter(pk=site_a.pk).update(retention_days=90)
    after = text(site_a, language)

    assert "14 " in before and "90 " not in before
    assert "90 " in after and "14 " not in after


@pytest.mark.parametrize(
    ("language", "off", "anonymised", "full"),
    [
        ("en", "do not store your IP address", "shortened form", "full IP address"),
        ("de", "IP-Adresse speichern wir nicht", "nur gekürzt", "vollständige IP-Adresse"),
        ("cs", "IP adresu neukládáme", "zkrácené podobě", "úplnou IP adresu"),
    ],
)
def test_it_describes_the_ip_handling_of_the_site(site_a, language, off, anonymised, full):
    sentences = {}
    for mode in Site.IpHandling.values:
        Site.objects.filter(pk=site_a.pk).update(ip_handling=mode)
        sentences[mode] = text(site_a, language)

    assert off in sentences["off"] and anonymised not in sentences["off"] and full not in sentences["off"]
    assert anonymised in sentences["anonymised"] and off not in sentences["anonymised"]
    assert full in sentences["full"] and off not in sentences["full"]


@pytest.mark.parametrize(
    ("language", "none_phrase", "scc_phrase"),
    [
        ("en", "uses no sub-processors", "standard contractual clauses"),
        ("de", "keine Unterauftragsverarbeiter", "Standardvertragsklauseln"),
        ("cs", "nevyužívá žádné další zpracovatele", "standardních smluvních doložek"),
    ],
)
def test_it_lists_only_active_sub_processors(site_a, language, none_phrase, scc_phrase):
    assert none_phrase in text(site_a, language)
    SubProcessor.objects.create(
        name="Mailgun", purpose="E-mail", data_categories="e-mail", location="USA", transfer_mechanism="scc"
    )
    SubProcessor.objects.create(
        name="OldHost", purpose="Hosting", data_categories="all", location="France", active=False
    )

    paragraph = text(site_a, language)

    assert "Mailgun (E-mail), USA" in paragraph and scc_phrase in paragraph
    assert "OldHost" not in paragraph and none_phrase not in paragraph


@pytest.mark.parametrize(
    ("language", "placeholder"), [("en", "[controller:"), ("de", "[Verantwortlicher:"), ("cs", "[správce:")]
)
def test_it_names_the_controller_or_asks_for_it(site_a, language, placeholder):
    assert placeholder in text(site_a, language)

    Site.objects.filter(pk=site_a.pk).update(controller_name="Shop s.r.o.", controller_contact="Brno")

    paragraph = text(site_a, language)
    assert "Shop s.r.o. (Brno)" in paragraph and placeholder not in paragraph


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_names_processor_location_dpo_and_the_policy_url(site_a, language):
    Site.objects.filter(pk=site_a.pk).update(privacy_policy_url="https://a.example/privacy")

    paragraph = text(site_a, language)

    assert "Example Hosting GmbH (Musterstrasse 1, 20095 Hamburg)" in paragraph
    assert "Germany (EU)" in paragraph and "dpo@hosting.example" in paragraph
    assert "https://a.example/privacy" in paragraph


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["legitimate interest", "Art. 6(1)(f)", "Art. 6(1)(b)", "Art. 15", "Art. 21", "Art. 77"]),
        (
            "de",
            ["berechtigtes Interesse", "Auftragsverarbeiter", "Art. 6 Abs. 1 lit. f", "Art. 6 Abs. 1 lit. b"],
        ),
        ("cs", ["oprávněného zájmu", "zpracovatel", "čl. 6 odst. 1 písm. f)", "čl. 6 odst. 1 písm. b)"]),
    ],
)
def test_it_states_the_legal_bases_and_rights(site_a, language, words):
    paragraph = text(site_a, language)
    assert all(word in paragraph for word in words)


def test_it_leaves_out_the_dpo_when_none_is_configured(site_a, settings):
    settings.PRIVACY_DPO_CONTACT = ""
    assert "Data protection officer" not in text(site_a, "en")


def test_it_words_the_default_data_location_in_each_language(site_a, settings):
    settings.PRIVACY_DATA_LOCATION = "the server this installation runs on"
    assert "der Server, auf dem diese Chat-Installation betrieben wird" in text(site_a, "de")
    assert "server, na kterém tato instalace chatu běží" in text(site_a, "cs")


@pytest.mark.parametrize(("days", "words"), [(1, "1 den"), (3, "3 dny"), (14, "14 dní")])
def test_it_declines_days_in_czech(site_a, days, words):
    Site.objects.filter(pk=site_a.pk).update(retention_days=days)
    assert f"{words} po poslední zprávě" in text(site_a, "cs")


def test_it_refuses_other_languages(site_a):
    with pytest.raises(ValueError):
        privacy_paragraph(site=site_a, language="fr")


@pytest.mark.parametrize(("given", "picked"), [("de-AT", "de"), ("CS", "cs"), ("fr", "en"), (None, "en")])
def test_it_picks_a_supported_language(given, picked):
    assert language_pick(given) == picked


def test_the_contact_data_named_follows_the_forms_settings(site_a):
    assert "as you give them in the chat's form" not in privacy_paragraph(site=site_a, language="en")

    Site.objects.filter(pk=site_a.pk).update(prechat_name="optional", notification_email="t@a.example")
    site_a.refresh_from_db()
    en = privacy_paragraph(site=site_a, language="en")
    de = privacy_paragraph(site=site_a, language="de")

    assert "your name and e-mail address, as you give them in the chat's form" in en
    assert "phone number" not in en
    assert "Ihren Namen und Ihre E-Mail-Adresse, wie Sie sie im Formular" in de
    assert "sent by e-mail to the controller's team" in en


def test_consent_extras_and_the_automated_message_are_described(site_a):
    assert "offers you a chat message" not in privacy_paragraph(site=site_a, language="en")
    Site.objects.filter(pk=site_a.pk).update(auto_message="Need help?")
    site_a.refresh_from_db()

    en = privacy_paragraph(site=site_a, language="en")
    cs = privacy_paragraph(site=site_a, language="cs")

    assert "With your consent (Art. 6(1)(a) GDPR)" in en and "offers you a chat message" in en
    assert "S vaším souhlasem (čl. 6 odst. 1 písm. a) GDPR)" in cs
