"""English prose of the privacy paragraph."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from privacy.services.texts import Facts

TRANSFERS = {
    "eu": "processing within the EU/EEA",
    "adequacy": "transfer based on an adequacy decision (Art. 45 GDPR)",
    "scc": "transfer based on standard contractual clauses (Art. 46 GDPR)",
}
IP = {
    "off": "We do not store your IP address.",
    "anonymised": "We store your IP address only in shortened form (its last part is removed), "
    "so that it can hardly be traced back to your connection.",
    "full": "When you open the chat, we store your full IP address so that we can investigate misuse "
    "of the chat.",
}


def days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _with(name: str, extra: str) -> str:
    return f"{name} ({extra})" if extra else name


def paragraph(facts: Facts) -> str:
    controller = _with(
        facts.controller_name or "[controller: enter your company name in the site's privacy settings]",
        facts.controller_contact,
    )
    operator = _with(
        facts.operator_name or "[operator of this chat installation: set PRIVACY_OPERATOR_NAME]",
        facts.operator_address,
    )
    location = facts.data_location or "the server this chat installation runs on"
    visitor_data = "identifier, contact data" + (", IP address" if facts.ip_handling != "off" else "")
    blocks = [
        f"Live chat on {facts.site_name}",
        "When you use the live chat on this website, we process personal data about you. "
        f"The controller is {controller}.",
        f"The chat is operated for us by {operator} as our processor (Art. 28 GDPR), under a data "
        f"processing agreement. The data is stored at this location: {location}.",
        "Data we process: the messages you write in the chat, with date and time; a random identifier "
        "kept in your browser so that you can continue the conversation (we store only a hash of it); "
        "your name, e-mail address and phone number if you give them to us. " + IP[facts.ip_handling],
        "Purposes and legal basis: we process the data to answer your enquiry, on the basis of our "
        "legitimate interest in answering enquiries from visitors to our website (Art. 6(1)(f) GDPR). "
        "Where your enquiry concerns a contract with us, or steps before entering into one, the legal "
        "basis is Art. 6(1)(b) GDPR.",
        f"Storage period: conversations and their messages are deleted {days(facts.retention_days)} "
        f"after the last message; the other data about you as a chat visitor ({visitor_data}) "
        f"{days(facts.retention_days)} after you last used the chat, once none of your conversations "
        "is left.",
    ]
    if facts.sub_processors:
        lines = [
            f"- {sp.name} ({sp.purpose}), {sp.location}; {TRANSFERS[sp.transfer_mechanism]}"
            for sp in facts.sub_processors
        ]
        blocks.append("Recipients: our processor uses these sub-processors:\n" + "\n".join(lines))
    else:
        blocks.append("Recipients: our processor uses no sub-processors.")
    blocks.append(
        "Your rights: you have the right of access (Art. 15 GDPR), to rectification (Art. 16 GDPR), "
        "to erasure (Art. 17 GDPR), to restriction of processing (Art. 18 GDPR) and to data portability "
        "(Art. 20 GDPR), and the right to object, on grounds relating to your particular situation, to "
        "processing based on our legitimate interest (Art. 21 GDPR). To exercise them, contact the "
        "controller named above. You also have the right to lodge a complaint with a data protection "
        "supervisory authority (Art. 77 GDPR)."
    )
    if facts.dpo_contact:
        blocks.append(
            f"Data protection officer of {facts.operator_name or 'the operator'}: {facts.dpo_contact}."
        )
    if facts.privacy_policy_url:
        blocks.append(f"Our full privacy policy: {facts.privacy_policy_url}")
    return "\n\n".join(blocks)
