"""Deutscher Text des Datenschutzhinweises."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from privacy.services.texts import Facts

TRANSFERS = {
    "eu": "Verarbeitung innerhalb der EU/des EWR",
    "adequacy": "Übermittlung auf Grundlage eines Angemessenheitsbeschlusses (Art. 45 DSGVO)",
    "scc": "Übermittlung auf Grundlage von Standardvertragsklauseln (Art. 46 DSGVO)",
}
IP = {
    "off": "Ihre IP-Adresse speichern wir nicht.",
    "anonymised": "Ihre IP-Adresse speichern wir nur gekürzt (ohne ihren letzten Teil), sodass sie "
    "sich kaum noch Ihrem Anschluss zuordnen lässt.",
    "full": "Wenn Sie den Chat öffnen, speichern wir Ihre vollständige IP-Adresse, um einen Missbrauch "
    "des Chats aufklären zu können.",
}


def days(n: int) -> str:
    return "1 Tag" if n == 1 else f"{n} Tage"


def _with(name: str, extra: str) -> str:
    return f"{name} ({extra})" if extra else name


FIELDS = {"name": "Ihren Namen", "email": "Ihre E-Mail-Adresse", "phone": "Ihre Telefonnummer"}


def contact_sentence(facts: Facts) -> str:
    if not facts.contact_fields:
        return ""
    names = [FIELDS[f] for f in facts.contact_fields]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " und " + names[-1]
    return f"{listed}, wie Sie sie im Formular des Chats angeben; "


def consent_blocks(facts: Facts) -> list[str]:
    blocks = [
        "Mit Ihrer Einwilligung (Art. 6 Abs. 1 lit. a DSGVO), die Sie in den Cookie-Einstellungen dieser "
        "Website erteilen und dort jederzeit widerrufen können, sieht der Mitarbeiter außerdem die zuvor "
        "besuchten Seiten dieser Website mit Verweildauer, die Website, von der Sie kamen (nur deren "
        "Adresse), Ihre Bildschirmgröße und Ihr Land, das aus Ihrer IP-Adresse ermittelt wird, ohne die "
        "Adresse dafür zu speichern.",
        "Der Chat legt einige Einträge im lokalen Speicher Ihres Browsers ab und setzt keine Cookies; "
        'welche, wozu und wie lange, steht in der Tabelle "Was der Live-Chat in Ihrem Browser speichert". '
        "Funktionale Einträge sind für den Chat nötig (Art. 6 Abs. 1 lit. f DSGVO); die übrigen werden "
        "nur mit Ihrer Einwilligung geschrieben und beim Widerruf gelöscht.",
    ]
    if facts.auto_message:
        blocks.append(
            "Mit Ihrer Einwilligung in Marketing zählt der Chat Ihre Besuche und bietet Ihnen höchstens "
            "einmal pro Besuch automatisch eine Chatnachricht an."
        )
    if facts.offline_email:
        blocks.append(
            "Ist gerade niemand online, wenn Sie schreiben, werden Ihre erste Nachricht und Ihre "
            "Kontaktdaten per E-Mail an das Team des Verantwortlichen gesendet, damit es Ihnen per E-Mail "
            "antworten kann."
        )
    return blocks


def paragraph(facts: Facts) -> str:
    controller = _with(
        facts.controller_name
        or "[Verantwortlicher: Firmenname in den Datenschutzeinstellungen der Website eintragen]",
        facts.controller_contact,
    )
    operator = _with(
        facts.operator_name or "[Betreiber dieser Chat-Installation: PRIVACY_OPERATOR_NAME setzen]",
        facts.operator_address,
    )
    location = facts.data_location or "der Server, auf dem diese Chat-Installation betrieben wird"
    visitor_data = "Kennung, Kontaktdaten" + (", IP-Adresse" if facts.ip_handling != "off" else "")
    blocks = [
        f"Live-Chat auf {facts.site_name}",
        "Wenn Sie den Live-Chat auf dieser Website nutzen, verarbeiten wir Ihre personenbezogenen Daten. "
        f"Verantwortlicher im Sinne der DSGVO ist {controller}.",
        f"Den Chat betreibt für uns {operator} als unser Auftragsverarbeiter (Art. 28 DSGVO) auf "
        f"Grundlage eines Vertrags zur Auftragsverarbeitung. Speicherort der Daten: {location}.",
        "Welche Daten wir verarbeiten: die Nachrichten, die Sie im Chat schreiben, mit Datum und Uhrzeit; "
        "eine zufällige Kennung, die in Ihrem Browser gespeichert wird, damit Sie das Gespräch fortsetzen "
        "können (wir speichern davon nur einen Hashwert); "
        + contact_sentence(facts)
        + "die Seite dieser Website, auf der Sie sich befinden, sowie Ihren Browser, Ihr Betriebssystem "
        "und Ihren Gerätetyp, die der Mitarbeiter während des Chats sieht. " + IP[facts.ip_handling],
        "Zwecke und Rechtsgrundlagen: Wir verarbeiten die Daten, um Ihre Anfrage zu beantworten. "
        "Rechtsgrundlage ist unser berechtigtes Interesse, Anfragen von Besuchern unserer Website zu "
        "beantworten (Art. 6 Abs. 1 lit. f DSGVO). Betrifft Ihre Anfrage einen Vertrag mit uns oder "
        "dessen Anbahnung, ist Rechtsgrundlage Art. 6 Abs. 1 lit. b DSGVO.",
        *consent_blocks(facts),
        f"Speicherdauer: Gespräche werden mit ihren Nachrichten {days(facts.retention_days)} nach der "
        f"letzten Nachricht gelöscht, die übrigen Daten über Sie als Chat-Besucher ({visitor_data}) "
        "innerhalb eines Tages nach Ihrer letzten Nutzung des Chats, sobald kein Gespräch von Ihnen mehr "
        "gespeichert ist, also auch innerhalb eines Tages, wenn Sie nie schreiben.",
    ]
    if facts.sub_processors:
        lines = [
            f"- {sp.name} ({sp.purpose}), {sp.location}; {TRANSFERS[sp.transfer_mechanism]}"
            for sp in facts.sub_processors
        ]
        blocks.append(
            "Empfänger: Unser Auftragsverarbeiter setzt folgende weitere Auftragsverarbeiter "
            "(Unterauftragsverarbeiter) ein:\n" + "\n".join(lines)
        )
    else:
        blocks.append("Empfänger: Unser Auftragsverarbeiter setzt keine Unterauftragsverarbeiter ein.")
    blocks.append(
        "Ihre Rechte: Sie haben das Recht auf Auskunft (Art. 15 DSGVO), Berichtigung (Art. 16 DSGVO), "
        "Löschung (Art. 17 DSGVO), Einschränkung der Verarbeitung (Art. 18 DSGVO) und "
        "Datenübertragbarkeit (Art. 20 DSGVO) sowie das Recht, aus Gründen, die sich aus Ihrer "
        "besonderen Situation ergeben, der Verarbeitung auf Grundlage unseres berechtigten Interesses "
        "zu widersprechen (Art. 21 DSGVO). Wenden Sie sich dazu an den oben genannten Verantwortlichen. "
        "Außerdem haben Sie das Recht, sich bei einer Datenschutz-Aufsichtsbehörde zu beschweren "
        "(Art. 77 DSGVO)."
    )
    if facts.dpo_contact:
        blocks.append(
            f"Datenschutzbeauftragter von {facts.operator_name or 'dem Betreiber'}: {facts.dpo_contact}."
        )
    if facts.privacy_policy_url:
        blocks.append(f"Unsere vollständige Datenschutzerklärung: {facts.privacy_policy_url}")
    return "\n\n".join(blocks)


def chat_notice(facts: Facts) -> str:
    """The short notice the widget shows above the first message."""
    who = facts.controller_name or facts.site_name
    # Accusative: "30 Tage nach der letzten Nachricht".
    after = "einen Tag" if facts.retention_days == 1 else f"{facts.retention_days} Tage"
    return (
        f"{who} verarbeitet Ihre Nachrichten und Ihre Angaben in diesem Chat, um Ihre Anfrage zu "
        f"beantworten. Sie werden {after} nach der letzten Nachricht gelöscht. "
        "Mehr dazu und zu Ihren Rechten:"
    )


STORAGE = {
    "caption": "Was der Live-Chat in Ihrem Browser speichert",
    "headers": ("Name", "Art", "Kategorie", "Zweck", "Speicherdauer"),
    "kinds": {"localStorage": "Lokaler Speicher (localStorage)"},
    "categories": {
        "functional": "Funktional (für den Chat nötig, ohne Einwilligung)",
        "analytics": "Analyse (nur mit Ihrer Einwilligung)",
        "marketing": "Marketing (nur mit Ihrer Einwilligung)",
    },
    "no_cookies": "Der Chat setzt keine Cookies. Bevor Sie den Chat öffnen, wird nichts gespeichert, außer "
    "Analyse- und Marketing-Einträgen, in die Sie eingewilligt haben.",
}
