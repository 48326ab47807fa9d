"""Privacy texts generated from the live configuration, so they never drift from what the code does.

`privacy_paragraph` is the Art. 13 paragraph a site owner puts in (or links
from) their privacy policy; `art30_record` is the record of processing
activities (Art. 30) for the site; `site_gdpr_checklist` is what the Site
admin shows. All three read the same facts: the site's settings, the
installation's PRIVACY_* settings and the active sub-processors.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from accounts.models import Site
from privacy.models import DPAAcceptance, SubProcessor
from privacy.selectors import dpa_version_current
from privacy.storage_inventory import STORAGE_ITEMS
from privacy.texts import cs, de, en

LANGUAGES = {"en": en, "de": de, "cs": cs}
DEFAULT_LANGUAGE = "en"
# The settings default for PRIVACY_DATA_LOCATION; each language words it itself.
DEFAULT_DATA_LOCATION = "the server this installation runs on"


@dataclass(frozen=True)
class SubProcessorFact:
    name: str
    purpose: str
    data_categories: str
    location: str
    transfer_mechanism: str


@dataclass(frozen=True)
class Facts:
    """What the texts state. Empty strings mean "not configured"; the prose then shows a placeholder."""

    site_name: str
    controller_name: str
    controller_contact: str
    privacy_policy_url: str
    operator_name: str
    operator_address: str
    dpo_contact: str
    data_location: str  # "" for the default (the server this installation runs on)
    ip_handling: str
    retention_days: int
    sub_processors: tuple[SubProcessorFact, ...]
    # The contact fields the widget's forms ask for ("name", "email", "phone"), in that order.
    contact_fields: tuple[str, ...] = ()
    offline_email: bool = False  # messages left while nobody is online are e-mailed to the site
    auto_message: bool = False  # the marketing extra is switched on


def _sub_processors() -> tuple[SubProcessorFact, ...]:
    return tuple(
        SubProcessorFact(
            name=sp.name,
            purpose=sp.purpose,
            data_categories=sp.data_categories,
            location=sp.location,
            transfer_mechanism=sp.transfer_mechanism,
        )
        for sp in SubProcessor.objects.filter(active=True).order_by("name", "pk")
    )


def privacy_facts(*, site: Site, with_sub_processors: bool = True) -> Facts:
    location = settings.PRIVACY_DATA_LOCATION.strip()
    return Facts(
        site_name=site.name,
        controller_name=site.controller_name.strip(),
        controller_contact=site.controller_contact.strip(),
        privacy_policy_url=site.privacy_policy_url,
        operator_name=settings.PRIVACY_OPERATOR_NAME.strip(),
        operator_address=settings.PRIVACY_OPERATOR_ADDRESS.strip(),
        dpo_contact=settings.PRIVACY_DPO_CONTACT.strip(),
        data_location="" if location == DEFAULT_DATA_LOCATION else location,
        ip_handling=site.ip_handling,
        retention_days=site.retention_days,
        sub_processors=_sub_processors() if with_sub_processors else (),
        contact_fields=tuple(
            field
            for field, ask in site.prechat_fields.items()
            if ask != "off" or (field == "email" and site.notification_email)
        ),
        offline_email=bool(site.notification_email),
        auto_message=bool(site.auto_message.strip()),
    )


def language_pick(language: str | None) -> str:
    """ "de", "de-AT" or "DE" -> "de"; anything unsupported -> English."""
    code = (language or "").strip().lower().split("-")[0].split("_")[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def privacy_paragraph(*, site: Site, language: str) -> str:
    """The Art. 13 information about the chat, as plain text: paragraphs split by blank lines.

    Raises ValueError for a language other than en, de or cs.
    """
    if language not in LANGUAGES:
        raise ValueError(f"No privacy text in {language!r}; use one of {', '.join(LANGUAGES)}.")
    return LANGUAGES[language].paragraph(privacy_facts(site=site))


def art30_record(*, site: Site) -> dict:
    """The record of processing activities (Art. 30(1) for the controller, 30(2) for the processor).

    JSON-serialisable. Fields left empty in the configuration are None, so
    the gaps are visible rather than papered over.
    """
    facts = privacy_facts(site=site)
    ip_stored = {
        Site.IpHandling.OFF: None,
        Site.IpHandling.ANONYMISED: "IP address, anonymised (IPv4 last octet, IPv6 last 80 bits zeroed)",
        Site.IpHandling.FULL: "IP address (full)",
    }[site.ip_handling]
    transfers = dict(SubProcessor.Transfer.choices)
    recipients = [
        {
            "name": sp.name,
            "purpose": sp.purpose,
            "data_categories": sp.data_categories,
            "location": sp.location,
            "transfer_mechanism": sp.transfer_mechanism,
            "transfer_mechanism_label": transfers[sp.transfer_mechanism],
        }
        for sp in facts.sub_processors
    ]
    contact_labels = [
        {"name": "name", "email": "e-mail address", "phone": "phone number"}[f] for f in facts.contact_fields
    ]
    version = dpa_version_current()
    acceptance = (
        DPAAcceptance.objects.filter(site=site, version=version).first() if version is not None else None
    )
    return {
        "generated_at": timezone.now().isoformat(),
        "processing_activity": f"Live chat on the website(s) of {site.name}",
        "site": {"name": site.name, "key": site.key, "allowed_origins": site.origin_list},
        "controller": {
            "name": facts.controller_name or None,
            "contact": facts.controller_contact or None,
            "privacy_policy_url": facts.privacy_policy_url or None,
        },
        "processor": {
            "name": facts.operator_name or None,
            "address": facts.operator_address or None,
            "dpo_contact": facts.dpo_contact or None,
            "data_location": facts.data_location or DEFAULT_DATA_LOCATION,
        },
        "dpa": {
            "current_version": version.version if version is not None else None,
            "accepted": acceptance is not None,
            "accepted_at": acceptance.accepted_at.isoformat() if acceptance is not None else None,
        },
        "purposes": [
            "Answering enquiries that website visitors send through the chat",
            "Handling enquiries about a contract, or steps before entering into one",
            *(
                ["E-mailing the site messages left while no agent is online, so it can answer by e-mail"]
                if facts.offline_email
                else []
            ),
        ],
        "legal_bases": [
            "Art. 6(1)(f) GDPR: legitimate interest in answering visitors' enquiries",
            "Art. 6(1)(a) GDPR: consent, for the analytics and marketing extras of the widget",
            "Art. 6(1)(b) GDPR: contract, where the enquiry concerns one",
        ],
        "data_subjects": [
            "Website visitors who open the chat",
            "The site's agents (account data: e-mail address, display name, photo)",
        ],
        "data_categories": [
            "Chat messages with date and time",
            "Visitor identifier (a random token kept in the browser; only its SHA-256 hash is stored)",
            *(
                ["Contact data the visitor gives in the chat's form: " + ", ".join(contact_labels)]
                if contact_labels
                else []
            ),
            "Visit context: the page the visitor is on, browser, operating system, device type",
            "With the visitor's consent: pages visited with time on each, referring host, screen size, "
            "country (looked up from the connection; the address is not stored for it)",
            "Consent records: categories consented to, privacy notice version shown, time",
            *([ip_stored] if ip_stored else []),
        ],
        "recipients": recipients,
        "third_country_transfers": [r for r in recipients if r["transfer_mechanism"] != "eu"],
        "retention": {
            "days": facts.retention_days,
            "rule": f"Conversations with their messages are deleted {facts.retention_days} days after "
            f"their last message; visitors {settings.CHAT_SILENT_VISITOR_HOURS} hours after they were "
            "last seen, once they have no conversation left, so a visitor who never writes within a "
            "day (hourly purge). Visitors whose processing is restricted (Art. 18) are kept until the "
            "restriction is lifted.",
        },
        "technical_and_organisational_measures": [
            "Visitor tokens are stored only as SHA-256 hashes",
            "IP addresses: "
            + {
                Site.IpHandling.OFF: "not stored",
                Site.IpHandling.ANONYMISED: "stored anonymised only",
                Site.IpHandling.FULL: "stored in full",
            }[site.ip_handling],
            "Transport encryption (TLS) terminated at the reverse proxy in front of the application",
            "Access control: agents see only the sites they are members of; only owners and admins "
            "handle data-subject requests",
            "Append-only audit log of exports, erasures, rectifications, restrictions, purges and "
            "settings changes, without personal data of the subject",
            "Automatic deletion after the retention period",
            "Data-subject exports are downloadable once, by the requesting admin, through a signed, "
            "expiring link",
        ],
    }


def storage_table(*, language: str, site_key: str = "<site_key>") -> dict:
    """The cookie table for a privacy policy, from the storage inventory the widget enforces."""
    words = LANGUAGES[language].STORAGE
    return {
        "language": language,
        "caption": words["caption"],
        "headers": words["headers"],
        "rows": [
            (
                item.name(site_key),
                words["kinds"][item.kind],
                words["categories"][item.category],
                item.purpose[language],
                item.lifetime[language],
            )
            for item in STORAGE_ITEMS
        ],
        "note": words["no_cookies"],
    }


CHECK_WARN_ONLY = frozenset({"IP handling", "Chat notice linked"})


def site_gdpr_checklist(*, site: Site) -> list[tuple[str, bool, str]]:
    """(item, ok, detail) rows for the Site admin. An item in CHECK_WARN_ONLY is a warning when not ok."""
    version = dpa_version_current()
    acceptance = (
        DPAAcceptance.objects.filter(site=site, version=version).first() if version is not None else None
    )
    if version is None:
        dpa = (False, "no DPA version published yet")
    elif acceptance is None:
        dpa = (False, f"version {version.version} not accepted yet (/privacy/dpa/)")
    else:
        dpa = (True, f"version {version.version}, accepted {acceptance.accepted_at:%Y-%m-%d}")
    sub_processors = SubProcessor.objects.filter(active=True).count()
    ip_ok = site.ip_handling in (Site.IpHandling.OFF, Site.IpHandling.ANONYMISED)
    if not site.chat_notice_enabled:
        notice = (False, "the privacy notice in the chat is switched off")
    elif site.privacy_policy_url:
        notice = (True, "the chat's privacy notice links your privacy policy")
    else:
        notice = (False, "the chat's privacy notice links /privacy/<site key>/; set your policy URL")
    return [
        ("DPA accepted", *dpa),
        ("Privacy policy URL", bool(site.privacy_policy_url), site.privacy_policy_url or "not set"),
        ("Chat notice linked", *notice),
        ("Controller named", bool(site.controller_name.strip()), site.controller_name or "not set"),
        ("Retention", True, f"{site.retention_days} days"),
        ("IP handling", ip_ok, site.get_ip_handling_display()),
        ("Sub-processors listed", sub_processors > 0, f"{sub_processors} active"),
        (
            "DPO contact",
            bool(settings.PRIVACY_DPO_CONTACT.strip()),
            settings.PRIVACY_DPO_CONTACT or "PRIVACY_DPO_CONTACT not set",
        ),
    ]
