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
        "können (wir speichern davon nur einen Hashwert); Ihren Namen, Ihre E-Mail-Adresse und Ihre "
        "Telefonnummer, wenn Sie uns diese angeben. " + IP[facts.ip_handling],
        "Zwecke und Rechtsgrundlagen: Wir verarbeiten die Daten, um Ihre Anfrage zu beantworten. "
        "Rechtsgrundlage ist unser berechtigtes Interesse, Anfragen von Besuchern unserer Website zu "
        "beantworten (Art. 6 Abs. 1 lit. f DSGVO). Betrifft Ihre Anfrage einen Vertrag mit uns oder "
        "dessen Anbahnung, ist Rechtsgrundlage Art. 6 Abs. 1 lit. b DSGVO.",
        f"Speicherdauer: Gespräche werden mit ihren Nachrichten {days(facts.retention_days)} nach der "
        f"letzten Nachricht gelöscht, die übrigen Daten über Sie als Chat-Besucher ({visitor_data}) "
        f"{days(facts.retention_days)} nach Ihrer letzten Nutzung des Chats, sobald kein Gespräch von "
        "Ihnen mehr gespeichert ist.",
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
