"""Does a message talk about its sender's own situation? Then its answer belongs to them alone.

`personal_reasons` names what it found, in English, Spanish, Portuguese and French:

- ``email``, ``phone``, ``reference`` (order, booking, receipt or student numbers, ``#4471``,
  codes such as ``A1B2C3``), ``long_number``, ``card`` (``ending 4417``), ``address`` (a street,
  flat or postcode), ``room`` (``room 4``, ``quarto 4``);
- ``name``: the sender introduces themselves ("hey, it's Ana from Lumen", "Hugo here",
  "soy Marta", "je m'appelle Paul", "it's under Beatriz"), signs the message off ("...
  thanks, Marta", "— Rui Costa", a name on the last line, "cheers, tom"), or names a company
  ("Acme Lda");
- ``account``: their own order, booking, stay, appointment, membership, payment, company
  ("my order", "I booked", "mi reserva", "a minha encomenda", "ma commande"), what was done
  for them ("you charged me", "the driver left it outside"), what they need to do with it ("I
  need to cancel", "tengo que anular"), their history ("same as last time"), where they live;
- ``health``: their body or health: pregnancy, an injury or a procedure, a condition, their
  age, weight or height, a symptom said of them ("it hurts", "me duele", "dói-me", "j'ai
  mal"), a treatment or symptom of theirs ("my filling", "a minha coroa"), a body part of
  theirs in a bad state ("my gum is swollen", "my bad knee");
- ``family``: a relative or a pet with a possessive ("my son", "mi perro", "mon fils");
- ``situation``: a first-person statement about their past or present state ("I had ...",
  "we've been waiting", "I'm stuck", "tuve", "paguei", "estou com", "j'ai eu", "je suis
  tombée"), a clause opening on a past verb with its subject left out ("just had my wisdom
  teeth out"), something of theirs that went wrong ("my screen went black");
- ``complaint``: something they received went wrong, in any wording ("arrived broken",
  "came out too orange", "still isn't working", "llegó fría", "il manquait", "I want my
  money back");
- ``own_dates``: their own plans or lateness ("we arrive on Friday at 11pm", "running 10
  minutes late", "llegamos el 3 de mayo"), or a calendar date in a message that speaks of
  its sender ("can we do the 14th?").

It fails closed: each rule errs towards personal, since a false alarm costs one provider call
and a miss serves one customer's answer to another. The sentence-shape rules live in
`_situation`; they skip a cue inside a hypothetical ("what happens if I'm late?") and, for a
present state or a complaint, inside a clause that opens as a question ("do you fix phones
that won't charge?"). A body part the service is for ("how much to clean my teeth?"), hair,
nails and beards, a phone's model and a group's size are not personal by themselves. Under
these rules, `_statements` reads every clause that tells rather than asks: the first person
outside the frames customers use to ask ("I'd like to know", "we are 4") is the sender's
situation whatever its verb, and so are the shapes `_implicit` reads with the sender left out
("ankle swells up", "the massage on thursday", "it's been three weeks"). What it cannot see: a
situation told inside a question with no first-person word and none of these shapes, a bare
name in the middle of a message, languages other than these four, and meaning carried only by
an image.

Every pattern runs in time linear in the text: no pattern has nested or overlapping unbounded
repetition, and emails are found by splitting on whitespace rather than by a regular
expression (the former pattern backtracked quadratically on long runs of word characters).
The clause checks read at most a few hundred characters around each cue, and no text over
`MAX_CHECKED_CHARS` is read at all.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from ._clauses import NOT_ASKED as _NOT_ASKED
from ._clauses import told
from ._patterns import PATTERNS, reason_of
from ._patterns import register as _p
from ._situation import situation_reasons

__all__ = ["MAX_CHECKED_CHARS", "MEMO_CHARS", "PATTERNS", "fold", "personal_reasons"]


def fold(text: str) -> str:
    """Casefolded, accents removed, one kind of apostrophe, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("’", "'").replace("`", "'").replace("´", "'")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(text.split())


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
    r"deposit|plan|contract|policy|claim|complaint|doctor|physio|company|employer|boss|"
    r"table|seat|seats|spot|slot|visit|"
    r"colleague|colleagues|coworker|coworkers|"
    # es
    r"pedido|pedidos|reserva|reservas|habitacion|estancia|cita|cuenta|factura|recibo|"
    r"tarjeta|direccion|numero|telefono|correo|paquete|entrega|vuelo|llegada|salida|compra|"
    r"billete|bono|clase|clases|tarta|reparacion|alquiler|medico|empresa|"
    # pt
    r"encomenda|encomendas|quarto|estadia|marcacao|conta|fatura|morada|endereco|"
    r"telemovel|cartao|voo|chegada|partida|bilhete|aula|aulas|bolo|reparacao|aluguer|"
    r"consulta|"
    # fr
    r"commande|commandes|chambre|sejour|rendez-vous|rdv|compte|facture|recu|remboursement|"
    r"paiement|carte|adresse|colis|livraison|vol|arrivee|depart|achat|abonnement|cours|"
    r"gateau|location|entreprise|societe)"
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
        r"\b(?:pregnan\w*|embarazada|gravida|enceinte|grossesse|postpartum|"
        r"post-?natal|post-?partum|surgery|surgeries|operated|post-?op|"
        r"(?:had|having|recent|since) (?:an |a |my |the )?(?:operation|procedure)|"
        r"c-section|cesarean|caesarean|herniated|hernia|slipped disc|osteoporosis|"
        r"arthritis|epilep\w*|cancer|chemo\w*|"
        r"fracture\w*|fractured|sprain\w*|torn|ligament|acl|meniscus|concussion|"
        r"diagnos\w*|blood pressure|heart condition|injured|crutches|insulin|inhaler|epi-?pen|"
        r"blood thinners|anticoagulants?|antidepressants?|steroids|"
        r"recovering|sciatica|scoliosis|vertigo|migraines?|"
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
    # Not "a 4 year old phone": an anonymous scenario, not the sender's age.
    _p(
        "health",
        r"(?<!\ba )(?<!\ban )(?<!\bum )(?<!\buma )(?<!\bun )(?<!\bune )"
        r"\b\d+\s?(?:years? old|anos de idade|ans et)\b",
    ),
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
        r"[Ss]ou(?: [oa])?|[Jj]e suis|[Cc]'est|[Cc]’est|[Aa]qui é(?: [oa])?|[Ff]ala(?: [oa])?|"
        r"[Hh]abla|[Aa]qu[ií] es)\s+[A-ZÀ-Ý][a-zà-ÿ]{1,20}\b",
    ),
    # A title before a capitalised name: "ask for Mr Kowalski", "a Dona Rosa", "Mme Martin".
    _p(
        "name",
        r"\b(?:Mr|Mrs|Ms|Miss|Mx|Sr|Sra|Srta|Dona|Mme|Mlle|Monsieur|Madame|Señor|Señora|"
        r"Senhor|Senhora)\.?\s+[A-ZÀ-Ý][a-zà-ÿ]{1,20}\b",
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
#: Capitalised words that end a message without being a name ("..., Thanks", "... Bom Dia").
_NOT_A_NAME = (
    r"(?!(?:Thanks|Thank|Thx|Ty|Cheers|Regards|Best|Kind|Warm|Many|Much|Muchas|Muito|Muita|"
    r"Obrigado|Obrigada|Obg|Gracias|Merci|Saludos|Cumprimentos|Abraços?|Beijos|Beijinhos|Bjs|"
    r"Cordialement|Bisous|Atentamente|Please|Pls|Plz|Por|Favor|Bye|Goodbye|Adeus|Tchau|Ciao|"
    r"Chau|Adiós|Adios|Hasta|Até|Salut|Hello|Hi|Hey|Hola|Olá|Ola|Oi|Bonjour|Bonsoir|Good|Bom|"
    r"Boa|Buenos|Buenas|Buen|Bonne|Bon|Dear|Happy|Merry|Ok|Okay|Yes|No|Nope|Yep|Sim|Não|Nao|"
    r"Oui|Non|Sí|Si|Sure|Great|Perfect|Perfeito|Perfecto|Parfait|Cool|Awesome|Brilliant|"
    r"Lovely|Nice|Fine|Again|Everyone|All|Team|Guys|Folks|Sir|Madam|Senhor|Senhora|Señor|"
    r"Señora|Monsieur|Madame|Today|Tomorrow|Tonight|Asap|Urgent|Help|Soon|Later|Now|Right|"
    r"Correct|Possible|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Lunes|Martes|"
    r"Miércoles|Jueves|Viernes|Sábado|Domingo|Segunda|Terça|Quarta|Quinta|Sexta|Lundi|Mardi|"
    r"Mercredi|Jeudi|Vendredi|Samedi|Dimanche|Weekend|Weekdays|Christmas|Easter|Natal|"
    r"Navidad|Noël|Pascoa|Páscoa|Amazing|Excellent|Fantastic|Wonderful|Sorry|Anyone|Anybody|"
    r"Desculpe|Disculpa|Pardon|Désolé|Valeu|Beijo|Beijinho|Abs|Tks|Thnx|Danke|Grazie|Hugs|"
    r"Love|Also|Thankyou|Ta|Cya|See|Speak|Talk|Have|Enjoy|Regards|Xx|Xxx)\b)"
)
_NAME_WORD = r"[A-ZÀ-Ý][a-zà-ÿ'’-]{1,20}"
#: An initial after a name: "Emma W.", "Rui C".
_INITIAL = r"(?: [A-ZÀ-Ý]\.?)?"
_PARTICLE = r"(?:da|de|do|dos|das|del|della|van|von|di|du|le|la)"
_THANKS = (
    r"(?:[Tt]hanks?|[Tt]hank you|[Tt]hx|[Tt]y|[Cc]heers|[Rr]egards|[Bb]est|[Oo]brigad[oa]|"
    r"[Oo]bg|[Gg]racias|[Mm]erci|[Ss]aludos|[Cc]umprimentos|[Aa]braços?|[Bb]eijos?|"
    r"[Bb]eijinhos|[Bb]js|[Cc]ordialement|[Bb]isous|[Aa]tentamente|[Xx]{1,3})"
)
#: The message's last characters, where a sign-off is read (the rest is never a signature).
SIGN_OFF_CHARS = 160
#: On the original text's end: a name signing the message off ("... Thanks, Ana", "— Rui
#: Costa", "...\nMarta", "... obrigada. Joana Reis", "... 😊 Joana").
_SIGN_OFF = [
    _p(
        "name",
        rf"(?:[,\n—–~\u2600-\u27bf\U0001f300-\U0001faff]|\s-|\b{_THANKS}[,.!]?)[^\w\n]{{0,8}}"
        rf"{_NOT_A_NAME}{_NAME_WORD}"
        rf"(?: (?:{_PARTICLE} )?{_NAME_WORD}){{0,2}}{_INITIAL}(?:\s+[xX]{{1,3}})?[\W_]*$",
    ),
    _p(
        "name",
        rf"[.!?][ \t]+{_NOT_A_NAME}{_NAME_WORD}(?: (?:{_PARTICLE} )?{_NAME_WORD}){{0,2}}"
        rf"{_INITIAL}(?:\s+[xX]{{1,3}})?[\W_]*$",
    ),
]
#: On the original text: a capitalised name's possessive, a pet's or a person's ("Milo's
#: collar", "can we move Rocco's groom"), days, holidays and closers aside.
_CAPITAL_NAME.append(
    _p(
        "name",
        rf"\b{_NOT_A_NAME}(?!(?:Valentine|Mother|Mothers|Father|Fathers|Patrick|Women|Men|"
        r"Children|Kids|Santa|Year|Today|Tonight|Yesterday|Chef|Baker|Owner|January|"
        r"February|March|April|May|June|July|August|September|October|November|December|"
        r"Week|Month|What|That|It|There|Here|Who|Where|When|Why|How|Let|He|She|This|One|"
        r"Everyone|Everybody|Everything|Nobody|Nothing|Someone|Somebody|Something|Anyone|"
        r"Anything|Mine|Yours)['’]s\b)"
        r"[A-ZÀ-Ý][a-zà-ÿ]{1,20}['’]s\b",
    )
)
#: On the folded text: a lowercase name after thanks ("thanks, ana"), closers aside.
_THANKS_NAME = _p(
    "name",
    r"\b(?:thanks|thank you|thx|ty|cheers|obrigad[oa]|gracias|merci)[,.!]*\s+"
    r"(?!(?:bye|again|guys|all|everyone|team|much|lot|lots|mate|you|heaps|loads|tons|folks|"
    r"pal|buddy|friend|friends|love|dear|tchau|adeus|ciao|chau|jaja|haha|lol|okay|bjs|beijos|"
    r"beijinhos|abraco|abracos|besos|bisous|amigo|amiga|amigos|senhor|senhora|senor|senora|"
    r"monsieur|madame|equipa|equipo|equipe|pessoal|chicos|gente|mil|muito|muchas|beaucoup|"
    r"encore|anyway|sir|maam|boss|hun|babe|kindly|very|tanto|mesmo|demais|desde|again|"
    r"bunch|heaps|plenty|indeed|tho|though|ahead|beforehand|advance)\b)[a-z]{3,15}\W*$",
)
#: A company's legal suffix: "Acme Lda", "Brightwave Ltd", "Dupont SARL".
_COMPANY = _p("name", r"\b(?:lda|ltd|llc|inc|gmbh|sarl|unipessoal|plc)\b|\bs\.[al]\.(?=\W|$)")

#: Set phrases; the sentence shapes of a complaint are read in `_situation`.
_COMPLAINT = [
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
            add(reason_of(pattern))
    if any(not _YEAR.fullmatch(m.group(0)) for m in _BIG_NUMBER.finditer(folded)):
        add("long_number")
    if _codes(folded):
        add("reference")
    for group in (_NAME, _ACCOUNT, _HEALTH[1:]):
        for pattern in group:
            if pattern.search(folded):
                add(reason_of(pattern))
                break
    # A condition said of a class of people ("classes for pregnant women") asks, not tells.
    if told(folded, _HEALTH[0], present=False, anyone=True):
        add("health")
    # Told, not supposed: "¿qué pasa si llego tarde?" is a question about the rules.
    for group in (_COMPLAINT, _DATES):
        for pattern in group:
            if told(folded, pattern, present=False):
                add(reason_of(pattern))
                break
    if "name" not in found and _signed(text, folded):
        add("name")
    for reason in situation_reasons(folded):
        add(reason)
    return found


def _signed(text: str, folded: str) -> bool:
    """A name introduced, signed off or a company's suffix (capitals read on `text`)."""
    tail = text[-SIGN_OFF_CHARS:].rstrip()
    return (
        any(p.search(text) for p in _CAPITAL_NAME)
        or any(p.search(tail) for p in _SIGN_OFF)
        or bool(_THANKS_NAME.search(folded[-SIGN_OFF_CHARS:]))
        or bool(_COMPANY.search(folded))
    )
