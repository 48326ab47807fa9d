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


FIELDS = {"name": "name", "email": "e-mail address", "phone": "phone number"}


def contact_sentence(facts: Facts) -> str:
    if not facts.contact_fields:
        return ""
    names = [FIELDS[f] for f in facts.contact_fields]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"your {listed}, as you give them in the chat's form; "


def consent_blocks(facts: Facts) -> list[str]:
    blocks = [
        "With your consent (Art. 6(1)(a) GDPR), given in this website's cookie settings and revocable "
        "there at any time, the agent also sees the pages of this website you visited before, with the "
        "time spent on each, the website you came from (its address only), your screen size and your "
        "country, derived from your IP address without storing the address for this purpose.",
        "The chat stores a few entries in your browser's local storage and sets no cookies; which, why "
        'and for how long is listed in the table "What the live chat stores in your browser". '
        "Functional entries are needed for the chat (Art. 6(1)(f) GDPR); the others are written only "
        "with your consent and deleted when you withdraw it.",
    ]
    if facts.auto_message:
        blocks.append(
            "With your consent to marketing, the chat counts your visits and offers you a chat message "
            "automatically, at most once a visit."
        )
    if facts.offline_email:
        blocks.append(
            "If nobody is online when you write, your first message and the contact data you gave are "
            "sent by e-mail to the controller's team, so that they can answer you by e-mail."
        )
    return blocks


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
        + contact_sentence(facts)
        + "the page of this website you are on and your browser, operating system and device type, "
        "which the agent sees while you chat. " + IP[facts.ip_handling],
        "Purposes and legal basis: we process the data to answer your enquiry, on the basis of our "
        "legitimate interest in answering enquiries from visitors to our website (Art. 6(1)(f) GDPR). "
        "Where your enquiry concerns a contract with us, or steps before entering into one, the legal "
        "basis is Art. 6(1)(b) GDPR.",
        *consent_blocks(facts),
        f"Storage period: conversations and their messages are deleted {days(facts.retention_days)} "
        f"after the last message; the other data about you as a chat visitor ({visitor_data}) within "
        "a day after you last used the chat, once none of your conversations is left, and so within "
        "a day if you never write.",
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


def chat_notice(facts: Facts) -> str:
    """The short notice the widget shows above the first message."""
    who = facts.controller_name or facts.site_name
    return (
        f"{who} processes your messages and the details you give in this chat to answer your enquiry. "
        f"They are deleted {days(facts.retention_days)} after the last message. "
        "More, including your rights:"
    )


STORAGE = {
    "caption": "What the live chat stores in your browser",
    "headers": ("Name", "Type", "Category", "Purpose", "Lifetime"),
    "kinds": {"localStorage": "Local storage (localStorage)"},
    "categories": {
        "functional": "Functional (needed for the chat, no consent)",
        "analytics": "Analytics (only with your consent)",
        "marketing": "Marketing (only with your consent)",
    },
    "no_cookies": "The chat sets no cookies. Nothing is stored before you open the chat, except analytics "
    "and marketing entries you consented to.",
}
