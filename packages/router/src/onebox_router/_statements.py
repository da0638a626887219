"""A statement about the sender: the first person outside a question frame.

The rules in `_situation`, `_body` and `_complaints` read particular shapes ("I had ...", "my
gum is swollen", "arrived broken"). This one is the net under them: a clause that tells, not
asks, and speaks of its sender ("the strap rubs when I walk", "I can only come after work",
"tengo la piel muy seca", "on a le studio pour deux nuits", "you were keeping a loaf for me")
is read as their situation, whatever its verb; so is a clause that opens on what `_implicit`
reads as theirs with the sender left out ("ankle swells up", "can't bend the knee"). It fails
closed: most clauses a customer writes in the first person without asking are about
themselves.

A clause is not read when it asks (it opens as a question, inverts a modal and its subject,
"can I", "puedo", "je peux ... ?", or ends with a question mark) or supposes ("if my dog is
nervous, can you ...?"), and the first person is not counted inside a frame every customer
uses to ask: "I'm looking for", "I'd like to know", "I have a question", "tell me", "we are
4", "me gustaría saber", "tenho uma dúvida", "je voudrais savoir".

Every pattern is linear: the text is cut into clauses once, and each pattern reads one clause
with bounded repetition only.
"""

from __future__ import annotations

import re

from ._clauses import hypothetical
from ._implicit import CLAUSE_START, EVENT
from ._patterns import register

#: A clause: up to a punctuation mark, a new line or an emoji, with the mark that ends it.
_CLAUSE = re.compile(
    r"[^.;!?,()\n\u2014\u2013\u2600-\u27bf\U0001f300-\U0001faff]+"
    r"([.;!?,()\n\u2014\u2013\u2600-\u27bf\U0001f300-\U0001faff]?)"
)
#: Greetings and fillers that may open a clause before what it says.
_OPENER = re.compile(
    r"^\s*(?:(?:hi|hello|hey|hiya|morning|good (?:morning|afternoon|evening)|hola|buenas|"
    r"buenos dias|ola|oi|bom dia|boa tarde|boa noite|bonjour|bonsoir|salut|coucou|and|or|but|"
    r"so|also|then|ok|okay|oh|um|well|btw|ps|quick one|quick question|please|pls|sorry|y|e|"
    r"et|pero|mas|mais|pues|entonces|alors|donc|bueno|bem|perdon|desculpe|pardon)\b\W*){0,4}"
)
#: A clause that opens as a question ("do ...", "how ...", "with how much time ...").
_ASKS_START = re.compile(
    r"^(?:(?:with|till|until|from|by|at|for|in|to|since|about|and|or|com|con|a|de|desde|"
    r"ate|hasta|par|pour|en)\s+)?(?:do|does|did|can|could|will|would|should|shall|may|might|"
    r"must|is|are|am|was|were|have|has|how|what|whats|what's|which|when|where|why|who|whom|"
    r"whose|any|anyone|anybody|quel|quelle|quels|quelles|que|qu'est-ce|quoi|qual|quais|cual|"
    r"cuales|como|comment|quanto|quantos|quanta|quantas|cuanto|cuantos|cuanta|cuantas|"
    r"combien|cuando|quando|quand|donde|onde|ou|por que|porque|pourquoi|quien|quem|qui|"
    r"est-ce|puedo|puede|pueden|podeis|podemos|podria|podrian|posso|pode|podem|podemos|"
    r"podia|podiam|poderia|hay|ha|tem|teem|tienen|teneis|tiene|aceptan|aceitam|acceptez|"
    r"faites|fazem|hacen|peut|peux|pouvez|pourriez|pourrait|puis-je|dois-je|vendem|venden|"
    r"vendez|existe|il y a|y a-t-il|es posible|e possivel|est-il possible|da para|se puede|"
    r"se pode)\b(?!')"
)
#: A modal and its subject inverted: "should i", "can we", anywhere in the clause.
_INVERTED = re.compile(
    r"\b(?:can|could|do|does|did|should|shall|may|might|will|would|must|am|have)(?:n?'?t)?\s+"
    r"(?:i|we)\b|-(?:je|nous|on|il|elle|vous)\b"
)
#: What every customer says to ask: the first person in these tells nothing about them.
_FRAMES = re.compile(
    r"\b(?:(?:i'm|im|i am|we're|we are|i was|we were)\s+(?:just\s+|also\s+)?(?:looking|"
    r"searching|interested|wondering|curious|thinking|planning|organi[sz]ing|arranging|"
    r"hoping|trying to find|after|"
    r"asking|writing|messaging|contacting|reaching out|enquiring|inquiring)|"
    r"i wonder(?:ed)?|i (?:think|guess|suppose|believe|hope)|"
    r"(?:i'm|im|i am|we're|we are|je suis|nous sommes|sou|somos|soy) (?:(?:quite|very|totally|"
    r"completely|fairly|pretty|still)\s+)?(?:new|a beginner|beginners|a newbie|not sure|unsure|"
    r"sorry|happy|glad|keen|vegan|vegans|vegetarian|vegetarians|pescatarian|nouveau|nouvelle|"
    r"nouveaux|debutant\w*|vegan\w*|vegetarien\w*|nov[oa]s?|nuev[oa]s?|principiantes?|"
    r"iniciantes?|vegetarian[oa]s?)|"
    r"(?:i|we)(?:'ve|ve| have)? (?:heard|read|seen|saw|noticed|been told|was told|were told)|"
    r"(?:i|we)(?:'d|d| would)?\s+(?:(?:also|just|really)\s+)?(?:like|love|want|wanted|need|"
    r"needed)(?: to)?\s+(?:know|ask|check|find out|confirm|understand|enquire|inquire|speak|"
    r"talk|chat|get in touch)|(?:i'd|id|i would|we'd|we would) rather (?:speak|talk)|"
    r"(?:i|we) (?:have|had|'ve got|ve got|got) (?:a |one |another |some |a few |few |a quick |"
    r"quick |a small |small |a couple of )?(?:questions?|query|queries|doubts?)|"
    r"(?:let|tell|show|remind|help|excuse|pardon|ask) (?:me|us)|(?:me|us) know|"
    r"(?:we're|we are|we'll be|we will be|there'll be|somos|seremos|seriamos|nous sommes|"
    r"nous serons|on est|on sera)\s+(?:about |around |maybe |probably )?(?:\d+|a group|a party|"
    r"a family|a couple|two|three|four|five|six|seven|eight|nine|ten|twelve|dos|tres|cuatro|"
    r"cinco|seis|siete|ocho|diez|doze|dois|duas|quatro|sete|oito|nove|dez|deux|trois|quatre|"
    r"cinq|sept|huit|neuf|dix|douze|un grupo|um grupo|un groupe)|"
    r"(?:me gustaria|nos gustaria|quisiera|quisieramos|queria|quiero|queremos|necesito|"
    r"gostaria|gostariamos|queriamos|quero|preciso|precisava)(?: de)?\s+(?:saber|preguntar|"
    r"consultar|informacion|info|informacao|informacoes|esclarecer|hablar|falar|confirmar)|"
    r"(?:tengo|tenemos|tenho|temos|j'ai|nous avons|on a) (?:una |unas |otra |alguna |uma |umas |"
    r"outra |une |une petite |quelques )?(?:pregunta|preguntas|duda|dudas|consulta|"
    r"consultas|duvida|duvidas|questao|questoes|question|questions)|"
    r"(?:me|nos) (?:puede|pueden|podeis|podrias|podria|podrian|puedes|pode|podem|podia|"
    r"podiam|poderia|poderiam) (?:decir|informar|indicar|explicar|ayudar|confirmar|atender|"
    r"recomendar|dizer|explicar|ajudar|recomendar)|dime|digame|decidme|indiqueme|"
    r"me interesa|nos interesa|estoy (?:buscando|interesad[oa]|pensando)|"
    r"estou (?:a procura|a procurar|interessad[oa]|a pensar)|"
    r"(?:diga|digam|diz|dizer|informem|informe|explique|expliquem|ajude|ajudem)-(?:me|nos)|"
    r"(?:je voudrais|j'aimerais|je souhaiterais|je souhaite|nous voudrions|on voudrait|"
    r"nous aimerions) (?:savoir|demander|connaitre|me renseigner|nous renseigner|"
    r"des renseignements|un renseignement|des informations|parler)|je me demand\w*|"
    r"je cherche|nous cherchons|on cherche|je suis (?:a la recherche|interesse\w*)|"
    r"(?:pouvez|pourriez|pourrais|peux|dites|dis)-(?:vous )?(?:moi|me|nous)|"
    r"s'il (?:vous|te) plait|merci)\b"
)
#: The sender as subject, object or owner, in the four languages ("nos" is also Portuguese
#: "in the"; French "on" only before what it does, English has "on a bike").
_FIRST_PERSON = register(
    "situation",
    r"\b(?:i|i'm|im|i've|ive|i'll|i'd|me|my|mine|myself|we|we're|we've|we'll|we'd|us|our|"
    r"ours|ourselves|yo|mi|mis|mio|mia|mios|mias|conmigo|nuestr[oa]s?|tengo|tenemos|tenia|"
    r"teniamos|necesito|necesitamos|llevo|llevamos|estoy|estamos|voy|hemos|hice|"
    r"hicimos|eu|meu|meus|minha|minhas|nosso|nossa|nossos|nossas|comigo|connosco|tenho|temos|"
    r"tinha|tinhamos|preciso|precisamos|estou|vou|sou|je|j'[a-z]+|moi|m'[a-z]+|ma(?!')|"
    r"mon(?= [a-z]{2})(?! (?:to|till|until|thru|through|and|or|fri|friday|sat|saturday)\b)|"
    r"(?<!el )(?<!este )(?<!cada )(?<!un )(?<!al )(?<!del )(?<!por )(?<!ese )(?<!proximo )"
    r"(?<!pasado )mes|nous|notre|on (?:a (?:la|le|les|l'|un|une|des|du|deja|eu|ete|pris|"
    r"fait|recu|reserve|commande|paye|achete)|est|etait|sera|va|voudrait|pourrait|arrive|"
    r"part|vient|doit|avait))\b|-(?:me|nos)\b",
)


def statement_about_sender(folded: str) -> bool:
    """Whether a clause of `folded` tells something about its sender, not asks or supposes."""
    for clause in _CLAUSE.finditer(folded):
        text, end = clause.group(0), clause.group(1)
        if end == "?":
            continue
        opener = _OPENER.match(text)
        body = text[opener.end() :] if opener else text
        if not body or _ASKS_START.match(body) or _INVERTED.search(body):
            continue
        if hypothetical(body):
            continue
        if CLAUSE_START.match(body) or EVENT.search(body):
            return True
        if _FIRST_PERSON.search(_FRAMES.sub(" ", body)):
            return True
    return False
