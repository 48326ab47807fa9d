"""Every item the widget may write in a visitor's browser: the one list the widget, tests and texts share.

The widget gets this list injected when /widget.js is served (widget_inventory)
and refuses to write a key that is not on it or whose category the visitor has
not consented to. The cookie table site owners paste into their privacy policy
is rendered from it (privacy.services.texts.storage_table), so the table and
the code cannot drift apart. The widget sets no cookies at all.
"""

from dataclasses import dataclass

FUNCTIONAL = "functional"
ANALYTICS = "analytics"
MARKETING = "marketing"
CATEGORIES = (FUNCTIONAL, ANALYTICS, MARKETING)


@dataclass(frozen=True)
class StorageItem:
    id: str  # what the widget calls it
    kind: str  # "localStorage" (the widget uses no cookies or sessionStorage)
    category: str
    purpose: dict[str, str]
    lifetime: dict[str, str]

    def name(self, site_key: str = "<site_key>") -> str:
        return f"chatplatform.{site_key}.{self.id}"


STORAGE_ITEMS: tuple[StorageItem, ...] = (
    StorageItem(
        id="token",
        kind="localStorage",
        category=FUNCTIONAL,
        purpose={
            "en": "Random visitor identifier, so that you can continue your conversation on the next page. "
            "The server keeps only a hash of it.",
            "de": "Zufällige Besucherkennung, damit Sie Ihr Gespräch auf der nächsten Seite fortsetzen "
            "können. Der Server speichert nur einen Hashwert davon.",
            "cs": "Náhodný identifikátor návštěvníka, abyste mohli pokračovat v konverzaci na další stránce. "
            "Server uchovává pouze jeho hash.",
        },
        lifetime={
            "en": "Until the chat data is deleted (retention period or erasure)",
            "de": "Bis die Chatdaten gelöscht werden (Speicherfrist oder Löschung)",
            "cs": "Do smazání dat chatu (doba uchování nebo výmaz)",
        },
    ),
    StorageItem(
        id="open",
        kind="localStorage",
        category=FUNCTIONAL,
        purpose={
            "en": "Remembers that the chat window is open, so it stays open on the next page.",
            "de": "Merkt sich, dass das Chatfenster geöffnet ist, damit es auf der nächsten Seite "
            "offen bleibt.",
            "cs": "Pamatuje si, že je okno chatu otevřené, aby zůstalo otevřené i na další stránce.",
        },
        lifetime={
            "en": "Until you close the chat window",
            "de": "Bis Sie das Chatfenster schließen",
            "cs": "Dokud okno chatu nezavřete",
        },
    ),
    StorageItem(
        id="draft",
        kind="localStorage",
        category=FUNCTIONAL,
        purpose={
            "en": "The message you are typing, so it is not lost when you change pages.",
            "de": "Die Nachricht, die Sie gerade schreiben, damit sie beim Seitenwechsel nicht "
            "verloren geht.",
            "cs": "Rozepsaná zpráva, aby se při přechodu na jinou stránku neztratila.",
        },
        lifetime={
            "en": "Until the message is sent or the field is emptied",
            "de": "Bis die Nachricht gesendet oder das Feld geleert wird",
            "cs": "Do odeslání zprávy nebo vymazání pole",
        },
    ),
    StorageItem(
        id="sound",
        kind="localStorage",
        category=FUNCTIONAL,
        purpose={
            "en": "Your choice to mute the sound for new messages.",
            "de": "Ihre Entscheidung, den Ton für neue Nachrichten stummzuschalten.",
            "cs": "Vaše volba ztlumit zvuk nových zpráv.",
        },
        lifetime={
            "en": "Until you switch the sound on again",
            "de": "Bis Sie den Ton wieder einschalten",
            "cs": "Dokud zvuk znovu nezapnete",
        },
    ),
    StorageItem(
        id="pages",
        kind="localStorage",
        category=ANALYTICS,
        purpose={
            "en": "The last pages of this website you visited, with time spent on each, shown to the agent "
            "once you open the chat.",
            "de": "Die zuletzt besuchten Seiten dieser Website mit Verweildauer, die dem Mitarbeiter "
            "angezeigt werden, sobald Sie den Chat öffnen.",
            "cs": "Naposledy navštívené stránky tohoto webu s dobou strávenou na každé z nich, které "
            "operátor uvidí, jakmile otevřete chat.",
        },
        lifetime={
            "en": "30 days after your last visit, or until consent is withdrawn",
            "de": "30 Tage nach Ihrem letzten Besuch oder bis zum Widerruf der Einwilligung",
            "cs": "30 dní od poslední návštěvy nebo do odvolání souhlasu",
        },
    ),
    StorageItem(
        id="visits",
        kind="localStorage",
        category=MARKETING,
        purpose={
            "en": "Counts your visits to this website and whether the automated chat message was offered in "
            "this visit.",
            "de": "Zählt Ihre Besuche auf dieser Website und ob die automatische Chatnachricht bei diesem "
            "Besuch schon angeboten wurde.",
            "cs": "Počítá vaše návštěvy tohoto webu a zda vám při této návštěvě již byla nabídnuta "
            "automatická zpráva chatu.",
        },
        lifetime={
            "en": "1 year after your last visit, or until consent is withdrawn",
            "de": "1 Jahr nach Ihrem letzten Besuch oder bis zum Widerruf der Einwilligung",
            "cs": "1 rok od poslední návštěvy nebo do odvolání souhlasu",
        },
    ),
)


def widget_inventory() -> dict[str, dict[str, str]]:
    """What the widget needs of the inventory: key suffix -> category."""
    return {item.id: {"category": item.category} for item in STORAGE_ITEMS}
