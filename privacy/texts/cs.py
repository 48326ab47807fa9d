"""Český text informací o zpracování osobních údajů."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from privacy.services.texts import Facts

TRANSFERS = {
    "eu": "zpracování v rámci EU/EHP",
    "adequacy": "předání na základě rozhodnutí o odpovídající ochraně (čl. 45 GDPR)",
    "scc": "předání na základě standardních smluvních doložek (čl. 46 GDPR)",
}
IP = {
    "off": "Vaši IP adresu neukládáme.",
    "anonymised": "Vaši IP adresu ukládáme jen ve zkrácené podobě (bez její poslední části), takže "
    "ji lze jen stěží přiřadit k vašemu připojení.",
    "full": "Při otevření chatu ukládáme vaši úplnou IP adresu, abychom mohli prošetřit případné "
    "zneužití chatu.",
}


def days(n: int) -> str:
    if n == 1:
        return "1 den"
    if 2 <= n <= 4:
        return f"{n} dny"
    return f"{n} dní"


def _with(name: str, extra: str) -> str:
    return f"{name} ({extra})" if extra else name


FIELDS = {"name": "jméno", "email": "e-mailovou adresu", "phone": "telefonní číslo"}


def contact_sentence(facts: Facts) -> str:
    if not facts.contact_fields:
        return ""
    names = [FIELDS[f] for f in facts.contact_fields]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " a " + names[-1]
    return f"vaše {listed}, jak je uvedete ve formuláři chatu; "


def consent_blocks(facts: Facts) -> list[str]:
    blocks = [
        "S vaším souhlasem (čl. 6 odst. 1 písm. a) GDPR), který udělujete v nastavení cookies tohoto webu "
        "a kde jej můžete kdykoli odvolat, vidí operátor také dříve navštívené stránky tohoto webu "
        "s dobou strávenou na každé z nich, web, ze kterého jste přišli (pouze jeho adresu), velikost "
        "obrazovky a zemi odvozenou z vaší IP adresy, aniž bychom adresu pro tento účel ukládali.",
        "Chat ukládá několik záznamů do místního úložiště vašeho prohlížeče a nenastavuje žádné cookies; "
        'které, proč a na jak dlouho, uvádí tabulka "Co live chat ukládá ve vašem prohlížeči". '
        "Funkční záznamy jsou pro chat nezbytné (čl. 6 odst. 1 písm. f) GDPR); ostatní se zapisují "
        "pouze s vaším souhlasem a při jeho odvolání se mažou.",
    ]
    if facts.auto_message:
        blocks.append(
            "S vaším souhlasem s marketingem chat počítá vaše návštěvy a nejvýše jednou za návštěvu vám "
            "automaticky nabídne zprávu."
        )
    if facts.offline_email:
        blocks.append(
            "Pokud v době, kdy píšete, není nikdo online, odešleme vaši první zprávu a kontaktní údaje "
            "e-mailem týmu správce, aby vám mohl odpovědět e-mailem."
        )
    return blocks


def paragraph(facts: Facts) -> str:
    controller = _with(
        facts.controller_name or "[správce: doplňte název své společnosti v nastavení ochrany údajů webu]",
        facts.controller_contact,
    )
    operator = _with(
        facts.operator_name or "[provozovatel této instalace chatu: nastavte PRIVACY_OPERATOR_NAME]",
        facts.operator_address,
    )
    location = facts.data_location or "server, na kterém tato instalace chatu běží"
    visitor_data = "identifikátor, kontaktní údaje" + (", IP adresa" if facts.ip_handling != "off" else "")
    blocks = [
        f"Live chat na webu {facts.site_name}",
        "Pokud na tomto webu používáte live chat, zpracováváme vaše osobní údaje. "
        f"Správcem osobních údajů je {controller}.",
        f"Chat pro nás provozuje {operator} jako náš zpracovatel (čl. 28 GDPR) na základě smlouvy "
        f"o zpracování osobních údajů. Místo uložení údajů: {location}.",
        "Jaké údaje zpracováváme: zprávy, které v chatu napíšete, včetně data a času; náhodný "
        "identifikátor uložený ve vašem prohlížeči, abyste mohli v konverzaci pokračovat (ukládáme "
        "z něj pouze hash); "
        + contact_sentence(facts)
        + "stránku tohoto webu, na které se nacházíte, a váš prohlížeč, operační systém a typ zařízení, "
        "které operátor během chatu vidí. " + IP[facts.ip_handling],
        "Účely a právní základ: Údaje zpracováváme, abychom odpověděli na váš dotaz, a to na základě "
        "našeho oprávněného zájmu odpovídat na dotazy návštěvníků našeho webu (čl. 6 odst. 1 písm. f) "
        "GDPR). Týká-li se váš dotaz smlouvy s námi nebo jednání o jejím uzavření, je právním základem "
        "čl. 6 odst. 1 písm. b) GDPR.",
        *consent_blocks(facts),
        f"Doba uložení: Konverzace včetně zpráv mažeme {days(facts.retention_days)} po poslední "
        f"zprávě, ostatní údaje o vás jako návštěvníkovi chatu ({visitor_data}) do jednoho dne po "
        "vašem posledním použití chatu, jakmile u nás nezůstane žádná vaše konverzace, tedy také do "
        "jednoho dne, pokud nikdy nenapíšete.",
    ]
    if facts.sub_processors:
        lines = [
            f"- {sp.name} ({sp.purpose}), {sp.location}; {TRANSFERS[sp.transfer_mechanism]}"
            for sp in facts.sub_processors
        ]
        blocks.append("Příjemci: Náš zpracovatel využívá tyto další zpracovatele:\n" + "\n".join(lines))
    else:
        blocks.append("Příjemci: Náš zpracovatel nevyužívá žádné další zpracovatele.")
    blocks.append(
        "Vaše práva: Máte právo na přístup ke svým osobním údajům (čl. 15 GDPR), na jejich opravu "
        "(čl. 16 GDPR), výmaz (čl. 17 GDPR), omezení zpracování (čl. 18 GDPR) a přenositelnost "
        "(čl. 20 GDPR) a také právo vznést z důvodů týkajících se vaší konkrétní situace námitku proti "
        "zpracování založenému na našem oprávněném zájmu (čl. 21 GDPR). Tato práva uplatníte u správce "
        "uvedeného výše. Máte rovněž právo podat stížnost u dozorového úřadu pro ochranu osobních údajů "
        "(čl. 77 GDPR)."
    )
    if facts.dpo_contact:
        blocks.append(
            "Pověřenec pro ochranu osobních údajů "
            f"({facts.operator_name or 'provozovatel chatu'}): {facts.dpo_contact}."
        )
    if facts.privacy_policy_url:
        blocks.append(f"Naše úplné zásady ochrany osobních údajů: {facts.privacy_policy_url}")
    return "\n\n".join(blocks)


def chat_notice(facts: Facts) -> str:
    """The short notice the widget shows above the first message."""
    who = facts.controller_name or facts.site_name
    after = "1 dni" if facts.retention_days == 1 else f"{facts.retention_days} dnech"
    return (
        f"{who} zpracovává vaše zprávy a údaje, které v tomto chatu uvedete, aby mohl odpovědět na váš "
        f"dotaz. Mažeme je po {after} od poslední zprávy. Více, včetně vašich práv:"
    )


STORAGE = {
    "caption": "Co live chat ukládá ve vašem prohlížeči",
    "headers": ("Název", "Typ", "Kategorie", "Účel", "Doba uložení"),
    "kinds": {"localStorage": "Místní úložiště (localStorage)"},
    "categories": {
        "functional": "Funkční (nezbytné pro chat, bez souhlasu)",
        "analytics": "Analytické (pouze s vaším souhlasem)",
        "marketing": "Marketingové (pouze s vaším souhlasem)",
    },
    "no_cookies": "Chat nenastavuje žádné cookies. Než chat otevřete, neukládá se nic kromě analytických "
    "a marketingových záznamů, ke kterým jste dali souhlas.",
}
