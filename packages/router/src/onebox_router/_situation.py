"""The sender's own situation told in plain words: what happened to them, how they are now.

`onebox_router.personal` finds identifiers and keywords; the rules here read the *shape* of a
sentence, in English, Spanish, Portuguese and French, on casefolded text without accents:

- ``situation``: a first-person statement about the sender's past or present state ("I had
  ...", "we've been ...", "I'm stuck", "tuve ...", "estou com ...", "j'ai eu ...", "je suis
  tombée"), as opposed to a question about the business ("can I ...", "do you ...");
- ``health``: a symptom said of the sender ("it hurts", "me duele", "dói-me", "j'ai mal"), or
  a body part, treatment or symptom with a possessive ("my gums", "mi empaste", "a minha
  coroa", "ma dent");
- ``family``: a relative or a pet with a possessive ("my son", "mi perro", "a minha mãe");
- ``complaint``: something they received went wrong, in any wording ("was cold", "still not
  working", "no funciona", "chegou frio", "il manquait", "I want my money back");
- ``own_dates``: lateness and a calendar date said by someone talking about themselves;
- ``account``: what they did or will do with their booking ("you charged me", "I need to
  cancel", "tengo que anular").

The body and family rules live in `_body`, the complaints in `_complaints`. A statement inside
a hypothetical or a question is not the sender's situation (`_clauses.told`): the clause
before the cue is checked for "if", "whether", "in case", "si", "se", "au cas" (and, for a
present state or a complaint, a clause that opens as a question: "do you fix phones that
won't charge?"). Everything else that matches errs towards personal.

Every pattern is linear: bounded gaps only, no nested unbounded repetition.
"""

from __future__ import annotations

import re

from ._body import FAMILY, HEALTH_NOW, HEALTH_PAST
from ._clauses import MY, NOT_ASKED, told
from ._complaints import COMPLAINT_NOW, COMPLAINT_PAST
from ._implicit import TOLD_NOW as _IMPLICIT_NOW
from ._implicit import TOLD_PAST as _IMPLICIT_PAST
from ._patterns import reason_of, register
from ._statements import statement_about_sender

_ADV = (
    r"(?:just|already|recently|still|also|only|really|actually|accidentally|finally|even|"
    r"literally|originally|previously|then|yesterday|today|unfortunately|somehow|both|all|"
    r"probably|definitely|totally|completely|now|kind of|sort of)"
)
#: Past forms that tell an event; "wondered", "heard", "saw" only frame a question.
_PAST = (
    r"(?:(?!(?:wondered|wanted|needed|hoped|noticed|liked|loved|enjoyed|appreciated|preferred|"
    r"intended|need|feed|proceed|succeed|exceed|speed|shed|wed|red)\b)[a-z]{2,}ed|"
    r"had|got|gotten|went|gone|been|bought|paid|left|lost|broke|broken|fell|fallen|hurt|took|"
    r"taken|made|sent|gave|given|forgot|forgotten|brought|ate|eaten|drank|drunk|slept|woke|"
    r"spent|did|done|put|cut|split|tore|torn|bit|bitten|ran|rode|ridden|drove|driven|flew|"
    r"flown|caught|kept|met|sat|stood|wore|worn|began|begun|became|threw|thrown|sold|chose|"
    r"chosen|grew|hit|lent|swam|fought|came(?! across))"
)
_NOT_A_QUESTION_OBJECT = (
    r"(?!\s+(?:a |one |another |some |a few |few |a quick |quick |a small |small |"
    r"a couple of |a couple )?(?:questions?|query|queries|doubts?|enquiry|inquiry|"
    r"suggestion|look)\b)"
)
_WAS_NOT_FRAMING = (
    r"(?!\s+(?:just\s+)?(?:wondering|hoping|thinking|looking|curious|interested|told|going|"
    r"asking|planning|considering|trying|meaning|about to|advised|recommended|referred|"
    r"given your|sent your|able)\b)"
)
_BEEN_NOT_FRAMING = r"(?!\s+(?:wondering|meaning|thinking|looking|hoping|told|recommended)\b)"
#: After "I'm" / "we're": intentions, politeness, diets and group sizes, not a state.
_STATE_EN_NOT = (
    r"(?!(?:looking|wondering|interested|curious|hoping|planning|thinking|trying|going|gonna|"
    r"about|a|an|not sure|unsure|sure|new|sorry|happy|glad|keen|after|asking|writing|"
    r"messaging|contacting|emailing|calling|texting|reaching|considering|organi[sz]ing|"
    r"checking|enquiring|inquiring|willing|fine|ok|okay|open|"
    r"vegan|vegetarian|pescatarian|able|allowed|ready|one|two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|both|all|of|just|also|still|"
    r"really|so|very|\d)\b)"
)

_SITUATION = [
    # "I had surgery", "we were charged", "I've been waiting", "I'd booked", "I got braces".
    register(
        "situation",
        rf"\b{NOT_ASKED}(?:i|we)(?:'ve|'d|ve| have| had)?\s+(?:{_ADV}\s+){{0,2}}"
        rf"(?:(?:was|were){_WAS_NOT_FRAMING}|been{_BEEN_NOT_FRAMING}|"
        rf"(?:had|got|gotten){_NOT_A_QUESTION_OBJECT}|{_PAST})\b",
    ),
    # "I'm stuck", "we're outside", "I'm recovering" (not "I'm looking for", "we're 4").
    register(
        "situation",
        rf"\b{NOT_ASKED}(?:i'm|im|i am|we're|we are)\s+(?:(?:just|also|still|really|so|very|"
        rf"not)\s+)?{_STATE_EN_NOT}[a-z]",
    ),
    # es: past events and present states ("tuve", "me operaron", "estoy con", "llevo días").
    register(
        "situation",
        r"\b(?:tuve|tuvimos|estuve|estuvimos|fui|fuimos|hice|hicimos|pude|puse|vine|vinimos|"
        r"dije|llegue|pague|compre|pedi|rompi|perdi|cai|sali|deje|recibi|olvide|llame|"
        r"escribi|mande|envie|probe|comi|bebi|senti|empece|cancele|saque|recogi|lleve|"
        r"encontre|intente|visite|me dio|me dieron|me (?:rompi|cai|lastime|torci|corte|"
        r"queme|hice|puse)|se me (?!ocurre|permite|puede)[a-z]{2,}|"
        r"(?:he|hemos|habia|habiamos)\s+(?:(?:ya|no|nunca|recien|tambien|todavia)\s+)?"
        r"(?!(?:visto|leido|oido|escuchado|pensado)\b)[a-z]+"
        r"(?:ado|ido|cho|sto|rto)|me\s+[a-z]{2,}(?:aron|ieron|io))\b",
    ),
    register(
        "situation",
        r"\b(?:llevo|llevamos) (?:[a-z0-9]+ )?(?:dias|semanas|meses|horas|minutos|anos)\b|"
        r"\b(?:estoy|estamos|ando|andamos|sigo|seguimos)\s+(?!(?:buscando|"
        r"interesad[oa]s?|pensando|mirando|planeando|organizando|intentando|preguntando|"
        r"escribiendo|consultando|en busca|viendo|queriendo|de acuerdo)\b)[a-z]",
    ),
    # pt: a first-person past ("-ei": paguei, marquei), "tive", "caiu-me", "estou com".
    register(
        "situation",
        r"\b(?:(?!(?:achei|gostei|adorei|amei|pensei|reparei|perguntei|sonhei|olei)\b)"
        r"[a-z]{2,}ei|tive|tivemos|estive|estivemos|fiz|fizemos|pus|vim|viemos|trouxe|parti|"
        r"recebi|escolhi|bati|esqueci|sofri|dormi|mordi|"
        r"(?:tenho|temos) (?:tido|estado|andado|sentido|feito|sido)|"
        r"[a-z]{2,}(?:ram|ou|eu|iu)-(?:me|nos)|[a-z]{2,}-se-me|"
        r"me\s+[a-z]{2,}(?:aram|eram|iram|ou|eu|iu))\b",
    ),
    register(
        "situation",
        r"\b(?:estou|estamos|ando|andamos|continuo|continuamos)\s+(?!(?:a (?:pensar|procurar|"
        r"ver|tentar|organizar|planear|perguntar|escrever|contactar|ponderar)|interessad[oa]s?|"
        r"pensando|procurando|curios[oa]s?|com (?:uma |umas |algumas )?duvidas?|a procura|"
        r"de acordo)\b)[a-z]",
    ),
    # fr: passé composé and être ("j'ai eu", "on a attendu", "je suis tombée", "je me suis").
    register(
        "situation",
        r"\b(?:j'ai|nous avons|on a|j'avais|nous avions)\s+(?:(?:deja|recemment|hier|aussi|"
        r"bien|encore|toujours|malheureusement|finalement|enfin|juste|pas|jamais|ete)\s+)?"
        r"(?!(?:une|de|le|la|les|des|que|ce|cette|quelques|mon|ma|mes|votre|vos|sa|son|envie|"
        r"entendu|vu|lu|remarque|note|pense|cru|aime|adore|prefere|droit|entre)\b)"
        r"(?:[a-z]{2,}(?:e|ee|es|ees|i|ie|is|it|u|ue|us|ert|eint)|eu|du|pu|bu|su|mis|dit)\b|"
        r"\b(?:j'ai|nous avons|on a) (?:un )?(?:rendez-vous|rdv)\b",
    ),
    register(
        "situation",
        r"\b(?:je suis|nous sommes|on est|je me suis|nous nous sommes|j'etais|nous etions)\s+"
        r"(?!(?:interesse\w*|a la recherche|curieu\w*|en train de (?:chercher|regarder|me "
        r"demander|nous demander|organiser|planifier|reflechir)|desole\w*|nouveau|nouvelle|"
        r"debutant\w*|etudiant\w*|vegan\w*|vegetarien\w*|retraite\w*|un|une|des|deux|trois|"
        r"quatre|cinq|six|sept|huit|neuf|dix|plusieurs|nombreux|d'accord|oblige\w*|cense\w*|"
        r"tenu\w*|\d)\b)[a-z]",
    ),
]

#: Lateness in set phrases, whoever says it: "running late", "20 min late", "on my way".
_LATE_PHRASE = register(
    "own_dates",
    r"\brunning (?:[a-z]+\s){0,3}?(?:late|behind)\b|\bstuck (?:in|on|at) (?:the )?(?:traffic|"
    r"motorway|highway|road|bridge|train|bus|metro|airport|work|a meeting)\b|"
    r"\bon (?:my|our) way\b|\b(?:\d+|a few|few|some|ten|five|fifteen|twenty|thirty)\s?"
    r"(?:min|mins|minutes|hours?|hrs?)\s+(?:late|behind|away)\b|"
    r"\b(?:\d+|unos|unas|algunos|quelques|uns|umas) (?:minutos|minutes|min) (?:de )?"
    r"(?:retraso|retard|atraso)\b|\bcon (?:un poco de |algo de |bastante )?retraso\b|"
    r"\bcom (?:um pouco de |algum )?atraso\b",
)
_LATE = [
    register(
        "own_dates",
        rf"\b{NOT_ASKED}(?:i|we|i'm|im|we're|i'll|we'll|i will|we will|i am|we are|"
        rf"i might|we might|i may|we may|i'd|we'd)\s+(?:[a-z]+\s){{0,3}}?(?:late|delayed)\b",
    ),
    register(
        "own_dates",
        r"\b(?:llego|llegamos|llegare|llegaremos|voy a llegar|vamos a llegar|voy|vamos)\s+"
        r"(?:[a-z]+\s){0,3}?(?:tarde|con retraso)\b|\b(?:me|nos) (?:retraso|retrasamos|"
        r"retrase)\b|\b(?:estoy|estamos) (?:atrasad|retrasad)|\ben camino\b|"
        r"\b(?:chego|chegamos|vou chegar|vamos chegar|vou|vamos)\s+(?:[a-z]+\s){0,3}?"
        r"(?:atrasad[oa]s?|tarde|com atraso)\b|\b(?:estou|estamos) atrasad|\bvou atrasar|"
        r"\ba caminho\b|\b(?:j'[a-z]{2,}rai|je [a-z]{2,}rai|nous [a-z]{2,}rons)\b|"
        r"\b[a-z]{3,}(?:aremos|eremos|iremos)\b|"
        r"\b(?:je serai|nous serons|on sera|je suis|nous sommes|on est|j'arrive|"
        r"nous arrivons|on arrive)\s+(?:[a-z]+\s){0,3}?en retard\b|\b(?:j'ai|nous avons|on a)\s+"
        r"(?:[a-z]+\s)?du retard\b|\ben route\b",
    ),
]
_MONTHS = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|enero|febrero|marzo|abril|"
    r"mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|janeiro|"
    r"fevereiro|marco|maio|junho|julho|setembro|outubro|novembro|dezembro|janvier|fevrier|"
    r"mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre)"
)
#: A calendar date ("the 14th", "14 de agosto", "le 3 mai"); theirs when they speak of themselves.
_DATE = register(
    "own_dates",
    rf"\b\d{{1,2}}(?:st|nd|rd|th)\b|\b\d{{1,2}}(?:st|nd|rd|th)? (?:of |de )?{_MONTHS}\b|"
    rf"\b{_MONTHS} \d{{1,2}}(?:st|nd|rd|th)?\b|\b(?:dia|el|le) \d{{1,2}}\b",
)
_FIRST_PERSON = register(
    "own_dates",
    r"\b(?:i|i'm|im|i've|i'll|i'd|we|we're|we've|we'll|my|our|yo|mi|mis|nuestr[oa]s?|eu|"
    r"meu|meus|minha|minhas|nosso|nossa|nossos|nossas|je|j'[a-z]+|mon|ma|nous|notre)\b",
)
_ACCOUNT = [
    # "you charged me twice", "your driver left it", "vous m'avez facturé".
    register(
        "account",
        rf"\b{NOT_ASKED}(?<!have )(?<!had )(?<!are )(?<!were )(?:you|you guys|u|you've|"
        r"you have|your (?:team|staff|dentist|doctor|hygienist|stylist|hairdresser|technician|"
        r"driver|courier|colleague|chef|waiter|receptionist))\s+(?:(?:just|already|also|then|only|"
        r"recently)\s+)?(?!(?:said|mentioned|posted|advertised|announced|listed|published|"
        r"opened|closed|offered|started|launched|used|moved|changed your|wanted|needed|"
        r"need|seemed|liked|noticed)\b)(?:[a-z]{2,}ed|did|put|cut|gave|sent|sold|told|took|"
        r"made|forgot|lost|broke|left|brought|kept|charged|done|given|taken)\b|"
        r"\b(?:vous m'avez|vous nous avez|on m'a|on nous a|il m'a|elle m'a|ils m'ont|"
        r"voces (?:me|nos) [a-z]+(?:ram|ou))\b",
    ),
    # "I need to cancel", "tenho de desmarcar", "je dois annuler" (not "can I cancel?").
    register(
        "account",
        rf"\b{NOT_ASKED}(?:i|we|i'd|we'd|i'll|we'll|i will|i would|we would)\s+"
        r"(?:[a-z']+\s){0,3}?(?:cancel|reschedule|rebook|postpone|bring forward|push back|"
        r"extend|return|exchange)\b|\b(?:quiero|queria|quisiera|necesito|tengo que|"
        r"me gustaria|queremos|necesitamos|tenemos que)\s+(?:[a-z]+\s){0,2}?(?:cancelar|"
        r"anular|aplazar|posponer|reprogramar|devolver|adelantar|retrasar)\b|"
        r"\b(?:quero|queria|preciso de|preciso|tenho de|tenho que|gostaria de|queremos|"
        r"precisamos de|temos de)\s+(?:[a-z]+\s){0,2}?(?:cancelar|desmarcar|remarcar|adiar|"
        r"antecipar|devolver)\b|\b(?:je veux|je voudrais|j'aimerais|je dois|il faut que je|"
        r"nous voulons|nous voudrions|on voudrait|je souhaite|nous souhaitons)\s+"
        r"(?:[a-z]+\s){0,2}?(?:annuler|decaler|reporter|deplacer|avancer|retourner|echanger)\b",
    ),
    # Their own history with the business: "same as last time", "lo de siempre".
    register(
        "account",
        r"\b(?:last time|as usual|the usual(?= *(?:please|pls|thanks|for me|one|order|[.,!?]|$))|"
        r"same as before|como (?:la|da) ultima vez|"
        r"lo de siempre|o (?:costume|habitual|do costume)|comme (?:la derniere fois|"
        r"d'habitude))\b",
    ),
    # Something of theirs had an event: "my screen went black", "my order was late".
    register(
        "situation",
        rf"\b{MY}\s+(?:[a-z0-9'-]+\s){{1,3}}?(?:went|broke|cracked|fell|stopped|died|got|"
        r"was|were|came|started|keeps|kept|had|has been|have been|arrived|never|still|"
        r"hasn't|haven't|won't|doesn't|didn't|wasn't|weren't)\b",
    ),
    # Done to them: "they told me", "the lady quoted us", "emailed me" (not "can you email me").
    register(
        "account",
        r"\b(?:(?!(?:need|feed|speed)\b)[a-z]{2,}ed|told|gave|sold|sent|promised|quoted|showed|"
        r"took|made|left|kept|brought|charged) (?:me|us)\b",
    ),
    # What their server did: "the driver left it outside", "o estafeta deixou", "el chico dijo".
    register(
        "account",
        r"\b(?:the|your) (?:driver|courier|rider|delivery (?:guy|man|person|driver)|postman|"
        r"waiter|waitress|chef|staff|receptionist|dentist|hygienist|hairdresser|stylist|barber|"
        r"technician|mechanic|teacher|instructor|lady|guy|girl|man|woman)\s+(?:(?:just|already|"
        r"also|then|never)\s+)?(?:(?!(?:need|feed|speed)\b)[a-z]{2,}ed|said|told|gave|sold|"
        r"sent|took|made|left|kept|brought|forgot|lost|broke|came|went|got|did)\b|"
        r"\b(?:o|a|vosso|vossa) (?:estafeta|motorista|carteiro|rececionista|cabeleireira|"
        r"cabeleireiro|empregado|empregada|tecnico|professor|professora|senhora|rapaz|"
        r"dentista|medico|medica)\s+(?:(?:ja|nunca|so)\s+)?[a-z]{2,}(?:ou|eu|iu|e)\b|"
        r"\b(?:el|la|su) (?:repartidor|repartidora|camarero|camarera|peluquera|peluquero|"
        r"recepcionista|dentista|profesor|profesora|chica|chico|senora|tecnico|medico|medica)"
        r"\s+(?:(?:ya|nunca|me|nos|no)\s+)?(?:dijo|hizo|puso|trajo|dio|vino|[a-z]{3,}(?:io|o))\b|"
        r"\b(?:le|la|votre) (?:livreur|coursier|facteur|serveur|serveuse|coiffeur|coiffeuse|"
        r"technicien|dentiste|prof|dame|monsieur|medecin)\s+(?:m'|nous )?(?:a|ont) "
        r"(?:(?:deja|jamais|pas)\s+)?[a-z]{2,}(?:e|i|is|it|u)\b",
    ),
    # Where they live or work: "I live in", "moro em", "I work at", "j'habite".
    register(
        "account",
        rf"\b{NOT_ASKED}(?:i live|we live|vivo en|vivimos en|moro (?:em|no|na|perto)|moramos|"
        r"j'habite|nous habitons|i work (?:at|for|in)|trabajo en|trabalho (?:na|no|em)|"
        r"je travaille (?:a|chez|pour))\b",
    ),
]

#: Past events are told even inside a question; present states and requests are not.
_TOLD_PAST = [
    _SITUATION[0], _SITUATION[2], _SITUATION[4], _SITUATION[6], *HEALTH_PAST, *FAMILY,
    *COMPLAINT_PAST, _LATE_PHRASE, _ACCOUNT[0], *_ACCOUNT[2:], *_IMPLICIT_PAST,
]  # fmt: skip
_TOLD_NOW = [
    _SITUATION[1], _SITUATION[3], _SITUATION[5], _SITUATION[7], *HEALTH_NOW, *COMPLAINT_NOW,
    *_LATE, _ACCOUNT[1], *_IMPLICIT_NOW,
]  # fmt: skip

#: A clause that opens on a past verb, its subject left out: "just had my wisdom teeth out",
#: "ordered the burger and got chicken", "been having headaches" (not "closed on Sundays?").
_DIARY_VERB = (
    r"(?:(?!(?:wondered|wanted|needed|hoped|noticed|liked|loved|enjoyed|interested|based|"
    r"located|supposed|allowed|required|included|used|guided|scheduled|need|feed|speed|heated|"
    r"advanced|added|detailed|limited|licensed|certified|qualified|experienced|recommended|"
    r"refurbished|damaged|cracked|broken)\b)[a-z]{2,}ed|had|got|went|came|bought|paid|left|"
    r"lost|broke|fell|hurt|took|made|sent|forgot|woke|ate|spent|did|tried|dropped)"
)
_DIARY_OBJECT = (
    r"(?:my|the|a|an|it|this|that|here|there|in|at|up|on|out|off|you|with|from|to|for|but|"
    r"and|twice|yesterday|last|some|two|three|our|me|us|him|her|them|his|your|back|over|by|"
    r"since|all|everything|nothing|no)"
)
_DIARY = register(
    "situation",
    r"^\s*(?:(?:just|already|also|then|recently|finally|yesterday|today|again|so|and|but|ok|"
    rf"sorry|um|well)\s+)?(?:been [a-z]+ing\b|{_DIARY_VERB}\s+{_DIARY_OBJECT}\b)",
)
_CLAUSE = re.compile(r"[^.;!?,()\n\u2014\u2013]+([.;!?,()\n\u2014\u2013]?)")
_GREETING = re.compile(
    r"\s*(?:hi|hello|hey|hiya|morning|good (?:morning|afternoon|evening)|hola|buenas|"
    r"buenos dias|ola|oi|bom dia|boa tarde|boa noite|bonjour|bonsoir|salut)\W*$"
)


def _diary(folded: str) -> bool:
    """A sentence whose first clause opens on a past verb, its subject left out, not asked.

    Only at a sentence's start (after a greeting at most): after a comma, "delivered to an
    office" describes something else.
    """
    starts = True
    for clause in _CLAUSE.finditer(folded):
        text, end = clause.group(0), clause.group(1)
        if starts and end != "?" and _DIARY.match(text):
            return True
        starts = end in ".;!?\n" or bool(starts and _GREETING.match(text[: -len(end) or None]))
    return False


def situation_reasons(folded: str) -> list[str]:
    """The reasons the sender's own situation is told in `folded` (casefolded, unaccented)."""
    found: list[str] = []
    for patterns, present in ((_TOLD_PAST, False), (_TOLD_NOW, True)):
        for pattern in patterns:
            reason = reason_of(pattern)
            if reason not in found and told(folded, pattern, present=present):
                found.append(reason)
    if "situation" not in found and _diary(folded):
        found.append("situation")
    if "situation" not in found and statement_about_sender(folded):
        found.append("situation")
    if "own_dates" not in found and _DATE.search(folded) and _FIRST_PERSON.search(folded):
        found.append("own_dates")
    return found
