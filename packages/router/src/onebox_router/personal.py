"""Does a message talk about its sender's own situation? Then its answer belongs to them alone.

`personal_reasons` names what it found, in English, Spanish, Portuguese and French:

- ``email``, ``phone``, ``reference`` (order, booking, receipt or student numbers, ``#4471``,
  codes such as ``A1B2C3``), ``long_number``, ``card`` (``ending 4417``), ``address`` (a street,
  flat or postcode), ``room`` (``room 4``, ``quarto 4``);
- ``name``: the sender introduces themselves ("hey, it's Ana from Lumen", "Hugo here",
  "soy Marta", "sou o Miguel", "je m'appelle Paul", "it's under Beatriz");
- ``account``: their own order, booking, stay, appointment, membership, payment ("my order",
  "I booked", "we're staying", "mi reserva", "a minha encomenda", "ma commande");
- ``health``: their body or health: pregnancy, an injury or a recent procedure, a condition,
  their age, weight or height ("I'm 5 months pregnant", "tengo 68 años", "I weigh 90 kg");
- ``complaint``: something they bought went wrong ("arrived broken", "never arrived",
  "charged twice", "no ha llegado");
- ``own_dates``: a statement about their own plans with a date or time ("we arrive on Friday
  at 11pm", "llegamos el 3 de mayo").

It fails closed: each rule errs towards personal, since a false alarm costs one provider call
and a miss serves one customer's answer to another. What it cannot see: a personal situation
told without any of these cues ("the blue one didn't fit", a name given without an
introduction), languages other than these four, and meaning carried only by an image.

Every pattern runs in time linear in the text: no pattern has nested or overlapping unbounded
repetition, and emails are found by splitting on whitespace rather than by a regular
expression (the former pattern backtracked quadratically on long runs of word characters).
"""

from __future__ import annotations

import functools
import re
import unicodedata

#: The patterns, by the reason they report; each is safe on adversarial input (see tests).
PATTERNS: dict[str, re.Pattern[str]] = {}


def _p(reason: str, pattern: str, flags: int = 0) -> re.Pattern[str]:
    compiled = re.compile(pattern, flags)
    PATTERNS[f"{reason}:{len([k for k in PATTERNS if k.startswith(reason + ':')])}"] = compiled
    return compiled


def fold(text: str) -> str:
    """Casefolded, accents removed, one kind of apostrophe, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("’", "'").replace("`", "'").replace("´", "'")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(text.split())


#: Not after a modal or a question word: "can I come", "do we need" ask, they do not tell.
_NOT_ASKED = (
    r"(?<!can )(?<!could )(?<!do )(?<!does )(?<!did )(?<!should )(?<!may )(?<!might )"
    r"(?<!shall )(?<!will )(?<!would )(?<!must )(?<!if )(?<!when )(?<!how )(?<!where )"
    r"(?<!what )(?<!whether )(?<!once )(?<!before )(?<!after )(?<!unless )"
)
_MY = (
    r"(?:my|our|mi|mis|nuestra|nuestro|nuestras|nuestros|minha|minhas|meu|meus|nossa|nosso|"
    r"ma|mon|notre)"
)
#: Things only the sender has: theirs is never a general question.
_OWN_THINGS = (
    r"(?:order|orders|booking|bookings|reservation|reservations|room|stay|appointment|"
    r"appointments|membership|subscription|account|invoice|bill|receipt|refund|payment|"
    r"card|address|number|phone|email|e-mail|parcel|package|delivery|tracking|flight|train|"
    r"arrival|departure|check-?in|check-?out|purchase|ticket|tickets|voucher|balance|"
    r"password|profile|details|data|pass|class|classes|session|lesson|cake|repair|rental|"
    r"deposit|plan|contract|policy|claim|complaint|daughter|son|wife|husband|partner|"
    r"baby|kids|children|mother|mom|mum|father|dad|doctor|physio|"
    # es
    r"pedido|pedidos|reserva|reservas|habitacion|estancia|cita|cuenta|factura|recibo|"
    r"tarjeta|direccion|numero|telefono|correo|paquete|entrega|vuelo|llegada|salida|compra|"
    r"billete|bono|clase|clases|tarta|reparacion|alquiler|hija|hijo|esposa|marido|mujer|"
    r"bebe|hijos|madre|padre|medico|"
    # pt
    r"encomenda|encomendas|quarto|estadia|marcacao|conta|fatura|morada|endereco|"
    r"telemovel|cartao|voo|chegada|partida|bilhete|aula|aulas|bolo|reparacao|aluguer|"
    r"filha|filho|mulher|marido|bebe|filhos|mae|pai|"
    # fr
    r"commande|commandes|chambre|sejour|rendez-vous|rdv|compte|facture|recu|remboursement|"
    r"paiement|carte|adresse|colis|livraison|vol|arrivee|depart|achat|abonnement|cours|"
    r"gateau|location|fille|fils|femme|mari|enfants|mere|pere)"
)

_ACCOUNT = [
    _p("account", rf"\b{_MY}\s+(?:\w+\s){{0,2}}?{_OWN_THINGS}\b"),
    _p("account", rf"\b(?:la|el|o|le)\s+{_OWN_THINGS}\s+(?:de|du)\s+{_MY}\b"),
    # What the sender did or has: "I booked", "we're staying", "I'm booked in", "I ordered".
    _p(
        "account",
        rf"\b{_NOT_ASKED}(?:i|we|i'm|im|we're|i've|we've|i have|we have|i was|we were|i am|"
        r"we are|i had|we had)\s+(?:\w+\s)?(?:booked|ordered|bought|purchased|paid|reserved|"
        r"registered|enrolled|signed up|subscribed|rented|hired|charged|staying|checked|arrived|"
        r"dropped|left|collected|picked|received|got|made a (?:booking|reservation|order)|"
        r"a (?:booking|reservation|order|membership|pass)|in room|in apartment)\b",
    ),
    _p(
        "account",
        r"\b(?:reserve|reserva(?:mos|ste)?|he reservado|hemos reservado|pedi|pedimos|compre|"
        r"compramos|pague|pagamos|me cobraron|nos cobraron|tengo (?:una )?reserva|"
        r"reservei|reservamos|encomendei|encomendamos|comprei|paguei|cobraram-me|"
        r"tenho (?:uma )?reserva|estou (?:no|na) quarto|estamos no quarto|"
        r"j'ai (?:reserve|commande|achete|paye|recu)|nous avons (?:reserve|commande|achete|paye)|"
        r"on m'a (?:facture|debite)|j'ai une reservation)\b",
    ),
]
_HEALTH = [
    _p(
        "health",
        r"\b(?:pregnan\w*|embarazada|gravida|enceinte|grossesse|gestante|postpartum|"
        r"post-?natal|post-?partum|surgery|surgeries|operated|post-?op|"
        r"(?:had|having|after|recent|since) (?:an |a |my |the )?(?:operation|procedure)|"
        r"c-section|cesarean|caesarean|herniated|hernia|slipped disc|osteoporosis|"
        r"arthritis|epilep\w*|cancer|chemo\w*|"
        r"fracture\w*|fractured|sprain\w*|torn|ligament|acl|meniscus|concussion|"
        r"diagnos\w*|medication|medicine|pills|prescription|blood pressure|heart condition|"
        r"physiotherap\w*|injured|crutches|"
        r"stitches|implant|braces|recovering|recovery|sciatica|scoliosis|vertigo|migraines?|"
        r"cirugia|operada|operado|lesion|lesionado|lesionada|embarazo|"
        r"cirurgia|operada|lesao|gravidez|"
        r"chirurgie|opere|operee|blessure|blesse|blessee)\b",
    ),
    # Age, weight, height: "I'm 68", "tengo 68 años", "I weigh 90 kg", "I'm 1.80 m".
    _p(
        "health",
        r"\b(?:i'm|im|i am|i weigh|weigh|my weight|my height|i'm about|tengo|tenho|j'ai|peso|"
        r"mido|meco|je pese|je mesure)\s+(?:about |around |almost |nearly |over |under )?"
        r"\d+(?:[.,]\d+)?\s?(?:years?|yrs?|y/?o|anos|ans|kg|kgs|kilos?|lbs?|"
        r"pounds|stone|cm|m|metres?|meters?|ft|feet|foot|'|months?|weeks?|semanas|meses|mois|"
        r"semaines)\b",
    ),
    _p("health", r"\b(?:i'm|im|i am)\s+(?:about |almost |nearly |over )?\d{1,3}(?:[.,]\d+)?\b"),
    _p("health", r"\b\d+\s?(?:years? old|anos de idade|ans et)\b"),
    _p(
        "health",
        rf"\b{_MY}\s+(?:\w+\s)?(?:back|knee|knees|hip|hips|shoulder|neck|wrist|ankle|"
        r"spine|pelvis|body|weight|height|health|condition|pain|injury|surgery|pregnancy|"
        r"doctor|blood|heart|diagnosis|allergy|allergies|period|bump|"
        r"espalda|rodilla|cadera|hombro|cuello|cuerpo|peso|salud|costas|joelho|anca|ombro|"
        r"pescoco|corpo|saude|dos|genou|hanche|epaule|cou|corps|poids|sante)\b",
    ),
    _p(
        "health",
        r"\b(?:i'm|im|i am|i have|i've|i've got|i got|i had|i suffer|she has|he has|"
        r"she's|he's|my \w+ has|my \w+ is)\s+(?:\w+\s){0,2}?(?:allerg\w*|intoleran\w*|pain|"
        r"injur\w*|sick|ill|unwell|hurt|sore|bad back|bad knee|condition|disease|"
        r"weeks|months|years|diabet\w*|asthma\w*|coeliac|celiac|disabled|"
        r"in a wheelchair)\b",
    ),
    _p(
        "health",
        r"\b(?:sou|soy|je suis|estoy|estou|tengo|tenho|j'ai)\s+(?:\w+\s)?(?:alergic\w*|"
        r"allergique|intolerante|diabetic\w*|diabetique|dolor|dores?|douleur|mal au|lesion\w*)\b",
    ),
]
_NAME = [
    _p(
        "name",
        r"\b(?:my name is|my name's|name's|call me|i'm called|me llamo|mi nombre es|"
        r"chamo-me|o meu nome e|meu nome e|je m'appelle|mon nom est|je suis madame|"
        r"je suis monsieur)\b",
    ),
    # "it's Ana from Lumen", "this is Carla, ...", "soy Marta de ...", "aqui e o Miguel".
    _p(
        "name",
        r"\b(?:it's|its|it is|this is|here is|here's|c'est|ici|soy|sou|aqui e|aqui es|"
        r"habla|fala)\s+(?:o |a |la |el )?[a-z][a-z-]{1,20}\s?(?:,|!|\.| from | de | da | do | "
        r"du | at | with | here\b| aqui\b| ici\b)",
    ),
    _p(
        "name",
        r"\b(?:under|in|for) the name(?: of)?\b|\ba nombre de\b|\bem nome de\b|"
        r"\bau nom de\b",
    ),
    _p(
        "name",
        r"(?:^|[,.!?] |\b(?:hi|hey|hello|hola|ola|oi|bonjour|salut)\b,? )[a-z][a-z-]{1,20} "
        r"here\b",
    ),
]
#: On the original text: a capitalised name after an introduction ("I'm Lucas", "under Beatriz").
_CAPITAL_NAME = [
    _p(
        "name",
        r"\b(?:[Ii]'m|[Ii]’m|I am|[Ii]t's|[Ii]t’s|[Tt]his is|[Uu]nder|[Ss]oy|"
        r"[Ss]ou(?: [oa])?|[Jj]e suis|[Cc]'est|[Cc]’est|[Aa]qui é(?: [oa])?)\s+"
        r"[A-ZÀ-Ý][a-zà-ÿ]{1,20}\b",
    ),
    _p(
        "name",
        r"^\W{0,3}(?:(?:[Hh]i|[Hh]ey|[Hh]ello|[Hh]ola|[Oo]lá|[Oo]i|[Bb]onjour)\W{0,3})?"
        r"[A-ZÀ-Ý][a-zà-ÿ]{1,20}(?: [A-ZÀ-Ý][a-zà-ÿ]{1,20})? here\b",
    ),
    # A signature: a capitalised first and last name at the start or after a full stop.
    _p(
        "name",
        r"(?:^|[.!?]\s)(?!(?:Good|Bom|Boa|Buenos|Buenas|Hello|Hi|Hey|Dear|Happy|Bon|Bonne|"
        r"Merry|Many|Thank|Thanks)\b)[A-ZÀ-Ý][a-zà-ÿ]{1,20} [A-ZÀ-Ý][a-zà-ÿ]{2,20},",
    ),
]
_COMPLAINT = [
    _p(
        "complaint",
        r"\b(?:arrived|came|was|were|is|are|it's|they're)\s+(?:\w+\s)?(?:damaged|broken|"
        r"squashed|crushed|missing|wrong|stale|cold|late|melted|leaking|ruined|dirty|"
        r"incomplete|spoiled|burnt|burned)\b",
    ),
    _p(
        "complaint",
        r"\b(?:never arrived|not arrived|hasn't arrived|has not arrived|haven't received|"
        r"have not received|didn't receive|did not receive|didn't get|still waiting|"
        r"charged twice|double charged|charged me|overcharged|want a refund|want my money|"
        r"not what i ordered|wrong order|where is it|where's my|where is my|was supposed to|"
        r"no ha llegado|no llego|todavia no|me cobraron|llego (?:roto|rota|tarde|mal)|"
        r"nao chegou|ainda nao|chegou (?:partido|partida|estragado|estragada|tarde)|"
        r"cobraram|pas recu|pas arrive|arrive (?:casse|abime|en retard)|toujours pas)\b",
    ),
]
_DATES = [
    # A first-person statement (not "can I", "do we") about the sender's own plans.
    _p(
        "own_dates",
        rf"\b{_NOT_ASKED}(?:i|we|i'm|im|we're|i'll|we'll|i will|we will|i am|we are)\s+(?:\w+\s)?"
        r"(?:arrive|arriving|land|landing|leave|leaving|depart|departing|coming|"
        r"visiting|getting|get in|flying|travel+ing|checking|staying|stay|be there|"
        r"be arriving|be late|be in|getting married|having|celebrating)\b",
    ),
    _p(
        "own_dates",
        r"\b(?:llego|llegamos|llegaremos|salimos|sale mi|chego|chegamos|chegaremos|saimos|"
        r"j'arrive|nous arrivons|on arrive|je pars|nous partons|my wedding|our wedding|"
        r"mi boda|nuestra boda|o meu casamento|o nosso casamento|meu casamento|mon mariage|"
        r"notre mariage|my birthday|mi cumpleanos|o meu aniversario|mon anniversaire)\b",
    ),
]
_NUMBERS = [
    _p("phone", r"\d(?:[ ().-]{0,2}\d){6,}"),
    _p("phone", r"(?:\+|\b00)\d{2,3}[ .-]?\d"),
    _p("reference", r"#\s?\d|\bn[°º]\s?\d|\bno\.\s?\d|\b(?:ref|nr|num)\.?\s?\d"),
    _p(
        "reference",
        r"\b(?:order|booking|reservation|receipt|invoice|ticket|confirmation|student|"
        r"membership|member|account|tracking|reference|ref|code|pedido|reserva|recibo|"
        r"factura|encomenda|fatura|commande|facture|recu)"
        r"\s?(?:number|no|nr|num|numero|n|code|id|#|:)?\.?\s?(?:is\s)?#?\s?[a-z]{0,3}-?\d{3,}",
    ),
    _p("long_number", r"\b\d{5,}\b"),
    _p(
        "card",
        r"\b(?:ending|ends|ending in|terminada en|terminado em|finissant par|"
        r"visa|mastercard|amex|card|tarjeta|cartao|carte)\s?(?:in|en|em|par)?\s?\d{4}\b",
    ),
    _p(
        "address",
        r"\b(?:rua|r\.|avenida|av\.|avda|calle|c/|travessa|tv\.|largo|praca|rue|chemin|"
        r"impasse|street|st\.|rd\.|ave\.|estrada|alameda)\s+(?:\w+\s){0,5}?\d+",
    ),
    _p(
        "address",
        r"\b\d+\w?,?\s+(?:\w+\s){0,3}?(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|"
        r"boulevard|blvd|way|court|ct|place|pl|square|sq|rua|rue|calle)\b",
    ),
    _p(
        "address",
        r"\b(?:apt|apartment|flat|suite|unit|andar|piso|dto|esq|porta|puerta|appartement|"
        r"etage|floor|bloco|bloque|lote)\.?\s?\d+|\b\d+\s?(?:o|a|º|ª)?\s?(?:dto|esq|andar|"
        r"piso|etage)\b|\b\d{4}-\d{3}\b",
    ),
    _p(
        "room",
        r"\b(?:room|quarto|habitacion|chambre|cabin|bed|cama|lit|apartment|apt|table|mesa)"
        r"\s?(?:number|no|n|numero|#)?\.?\s?\d+",
    ),
]
#: A number of four digits or more that is not a year ("1800", "4471").
_BIG_NUMBER = _p("long_number", r"\b\d{4}\b")
_YEAR = re.compile(r"(?:19|20)\d\d")
#: A letter/digit code such as "A1B2C3" or "PT-4471X" (not "6pm", "10-inch", "25cm", "3x").
_CODE = _p("reference", r"\b(?=[a-z-]{0,12}\d)(?=\d{0,12}[a-z])[a-z0-9]{2,}(?:-[a-z0-9]+){0,3}\b")
_UNIT = re.compile(
    r"\d+(?:[.,]\d+)?(?:am|pm|h|hr|hrs|min|mins|cm|mm|m|km|kg|g|gr|l|ml|in|inch|inches|"
    r"x|st|nd|rd|th|o|a|er|eme|e|ppl|pax|p|pp|k|eur|euros?|usd|gbp|s|yo|y|ish|"
    r"-?(?:inch|inches|class|classes|day|days|week|weeks|month|months|night|nights|hour|"
    r"hours|person|people|pack|packs|speed|year|years|min|minute|minutes|km|cm|kg))?"
    r"|[a-z]{1,3}\d{1,2}(?:-[a-z]{1,3}\d{1,2})?|\d+-\d+|e-?\w+|covid-?19|mp3|4k|wi-?fi|24/7"
)


def _emails(text: str) -> bool:
    """Whether a word looks like an email address (by string operations, linear)."""
    for word in text.split():
        at = word.find("@", 1)
        if at > 0 and "." in word[at + 2 :]:
            return True
    return False


def _codes(folded: str) -> bool:
    for match in _CODE.finditer(folded):
        token = match.group(0)
        if len(token) > 48:  # a run of letters and digits nobody types by hand: fail closed
            return True
        if not _UNIT.fullmatch(token) and sum(ch.isdigit() for ch in token) >= 2:
            return True
    return False


#: Longer messages are personal without looking: no FAQ question is this long (fail closed).
MAX_CHECKED_CHARS = 4_000


#: Texts up to this long have their verdict remembered (customers repeat short questions).
MEMO_CHARS = 500


def personal_reasons(text: str) -> list[str]:
    """The kinds of personal content found in `text`, in a stable order (empty when none)."""
    if len(text) <= MEMO_CHARS:
        return list(_remembered(text))
    return _reasons(text)


@functools.lru_cache(maxsize=4096)
def _remembered(text: str) -> tuple[str, ...]:
    return tuple(_reasons(text))


def _reasons(text: str) -> list[str]:
    if len(text) > MAX_CHECKED_CHARS:
        return ["long_message"]
    folded = fold(text)
    found: list[str] = []

    def add(reason: str) -> None:
        if reason not in found:
            found.append(reason)

    if _emails(text):
        add("email")
    for pattern in _NUMBERS:
        if pattern.search(folded):
            add(_reason(pattern))
    if any(not _YEAR.fullmatch(m.group(0)) for m in _BIG_NUMBER.finditer(folded)):
        add("long_number")
    if _codes(folded):
        add("reference")
    for group in (_NAME, _ACCOUNT, _HEALTH, _COMPLAINT, _DATES):
        for pattern in group:
            if pattern.search(folded):
                add(_reason(pattern))
                break
    if "name" not in found and any(p.search(text) for p in _CAPITAL_NAME):
        add("name")
    return found


def _reason(pattern: re.Pattern[str]) -> str:
    for key, known in PATTERNS.items():
        if known is pattern:
            return key.split(":")[0]
    raise LookupError(pattern.pattern)  # pragma: no cover - every pattern is registered
