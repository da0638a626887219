"""The cues the classifier reads: compiled patterns over the text lowercased with its accents
folded (`FOLD`), in English, Spanish, Portuguese and French.

Kept apart from `onebox_router.classifier`, which weighs them: each pattern is one shape of a
request (a reasoning word, options to weigh, the sender's own case, a constraint...), and every
one reads in linear time (bounded gaps only, no nested unbounded repetition).
"""

from __future__ import annotations

import re

#: Accents and curly apostrophes folded away, so one accentless pattern reads "qué", "que" and
#: "orçamento". "ù" is kept: folded, French "où" (where) would read as "ou" (or).
FOLD = str.maketrans("áàâãäéèêëíìîïóòôõöúûüçñ’‘", "aaaaaeeeeiiiiooooouuucn''")

REASONING = re.compile(
    r"\b(?:why|explain|explains|reason|reasons|analy[sz]e|compare|comparing|comparison|"
    r"difference|differences|versus|vs|pros|cons|trade-?offs?|recommend|recommendation|"
    r"recommendations|suggest|suggestion|propose|advise|advice|should i|should we|"
    r"which (?:one|is better|would you|works out|of your|is best|is cheaper)|"
    r"better|best for|best value|worth it|step by step|in detail|detailed|plan|planning|"
    r"strategy|calculate|estimate|figure out|work out|works out|do the math|do the maths|"
    r"put together|come to|total cost|budget|itinerary|quote|day[- ]by[- ]day|"
    # judgement on a situation or a choice (never enough alone: see _text_reasons)
    r"is (?:it|this|that) (?:still |really )?(?:normal|expected|usual|worth|wise|a good idea|"
    r"advisable)|"
    r"worth \w+ing|"
    r"(?:makes?|making) (?:more )?sense|(?:tiene|tendria|faz|faria) (?:mas|mais) sentido|"
    r"(?:a|aurait) plus de sens|smarter|smartest|wisest|most sensible|most economical|"
    r"cheapest way|what would you do|how would you|worth the (?:extra|money|price|cost|upgrade|"
    r"investment|difference|wait)|differ|differs|diferencia|diferenca|difieren|diferem|pourquoi|"
    r"what do you think|in your opinion|(?:honest|your|professional) opinion|weigh up|"
    r"what could (?:be|cause)|what(?:'s| is) causing|"
    r"do you think|would you say|in your experience|thoughts|ideas?|ideias?|idees?|tips|"
    r"most (?:practical|economical|suitable|sensible|cost-effective|efficient|affordable)|"
    r"(?:o )?que pode ser|que puede ser|qu'est-ce que (?:ca|ce) (?:peut|pourrait) etre|"
    r"what (?:could|might|can) (?:it|that|this) be|acham que|achas que|creeis que|creen que|"
    r"crees que|vous pensez|tu penses|en pensez|que opinas|que opinais|opinion|"
    r"raisonnable|razonable|razoavel|reasonable|realistic|realiste|realista|"
    r"where (?:do|should|can) (?:i|we) (?:start|begin)|por donde (?:empiezo|empezamos|empiezo)|"
    r"por onde (?:comeco|comecamos)|par ou commencer|(?:your|a|an|expert|professional) "
    r"(?:\w+'s )?view|second opinion|what (?:else )?(?:can|could) (?:i|we) try|"
    r"more practical|fastest|quickest|easiest|safest|least expensive|wdyt|any recs|recs\?|"
    r"(?:is|will|would|be) (?!\d+ ?(?:euros?|eur|dollars|pounds)\b)[^?.!]{0,30}?enough "
    r"(?:for|to)|suficiente para|assez pour|"
    r"suffisant\w* pour|chega para|basta para|would (?:it|that|this|a|an|the|\d+) [^?.!]{0,30}?"
    r"(?:be )?(?:ok|okay|fine|suitable|too \w+) for|can (?:a|an|my|our|someone|somebody) "
    r"[^?.!]{0,25}?(?:handle|manage|cope|keep up)|"
    r"(?:la|le) plus (?:economique|pratique|adapte\w*|simple|interessant\w*)|"
    r"mais (?:indicad[oa]|em conta|adequad[oa]|pratic[oa]|economic[oa])|"
    r"mas (?:a cuenta|indicad[oa]|adecuad[oa]|practic[oa]|economic[oa])|"
    r"too (?:hard|difficult|easy|advanced|much|intense|demanding|heavy) for (?:me|us|my|him|her|"
    r"them)|trop (?:dur|difficile|facile|intense) pour|demasiado (?:dificil|facil|intens[oa]) para|"
    r"what (?:do|should) (?:i|we) (?:need to )?(?:consider|think about|keep in mind|watch out for)|"
    r"what (?:can|could) you do\b|inquiet\w*|worr(?:y|ied|ying)|preocup\w*|"
    r"sugest\w*|sugerencia\w*|suggestions?|consejos?|conselhos?|conseils?|dicas?|"
    r"should (?:my|our|he|she|they)|what went wrong|(?:help me|help us) understand|"
    r"walk (?:me|us) through|best (?:time|season|month|option|choice|approach)|"
    r"is (?:it|that|this) (?:safe|realistic|feasible|doable|enough|too \w+)|"
    r"could (?:the|my|it|this|that|our|your) [^?.!]{0,30}?be (?:the )?(?:problem|cause|reason|"
    r"issue|culprit)|how (?:many|much)(?: \w+){0,4} (?:would|will|do|should|must) (?:i|we) "
    r"(?:need|buy|order|get)|cuant[oa]s? \w+ (?:necesito|necesitamos|hacen falta|harian falta)|"
    r"quant[oa]s? \w+ (?:preciso|precisamos)|combien de \w+ (?:faut-il|me faut-il|dois-je)|"
    r"what(?:'s| is) wrong|could it be|best way to|would you (?:go for|go with|pick|choose|prefer)|"
    r"(?:would|will|could|might) (?:\w+ )?suit|suits? (?:me|us)|any (?:ideas|tips|suggestions)|"
    r"what are the chances|how likely|would (?:a|an|the|it|this|that|some|more)(?: \w+){0,2} help|"
    r"what options (?:do|would) (?:i|we)|what would (?:make|look|work)|(?:good|bad) idea|"
    r"what(?:'s| is) (?:going on|happening)|can(?:'t|not) decide|"
    r"thinking of switching|considering switching|"
    r"what are (?:my|our) options|what (?:can|could|should) (?:i|we) do(?=\?| now| about)|"
    r"can (?:it|this|they) (?:still )?be (?:fixed|repaired|saved)|is (?:it|this) (?:serious|"
    r"fixable|repairable)|"
    # es / pt / fr
    r"por que|porque|recomienda\w*|recomenda\w*|recommande\w*|conseill\w*|aconseja\w*|"
    r"aconselha\w*|sugier\w*|sugere\w*|suggere\w*|comparar|comparer|mejor|melhor|"
    r"meilleur\w*|presupuesto|orcamento|quanto fica|cuanto sale|combien au total|"
    r"vale la pena|vale a pena|merece la pena|ca vaut|me conviene|conviene mas|compensa|"
    r"es normal|e normal|c'est normal|est-ce normal|deberia|debo|debe|devo|deve|deveria|"
    r"dois-je|doit|devrais-je|devrait|vaut mieux|vaut-il mieux|mieux vaut|que harias|"
    r"o que acham|a votre avis|dia a dia|jour par jour|elegirias|escogerias|escolherias|"
    r"escolheriam|choisiriez|me (?:queda|quedaria) (?:mejor|bien)|"
    r"me (?:fica|ficaria) (?:melhor|bem)|m'irait|que (?:puedo|podemos) hacer|"
    r"o que (?:posso|podemos) fazer|que puis-je faire|que faire|j'hesite|tiene arreglo|"
    r"tem (?:conserto|arranjo)|"
    # fitness for a case and organising, es/pt/fr ("convendria", "convem", "organizariais")
    r"convien\w*|convendr\w*|convem|conviendr\w*|organi[sz]\w*|planific\w*|planej\w*|"
    r"planifi\w*|(?:which|what|cual|qual|quel\w*|lequel|laquelle) [\w' -]{0,30}?(?:to (?:choose|"
    r"pick|go for)|elegir|escoger|escolher|choisir))\b",
)
COMPARISON = re.compile(
    r"\b(?:cheaper|cheapest|more|less|fewer|than|total|sum|altogether|combined|per|each|"
    r"discount|percent|difference|multiply|divide|budget|including|incl|with delivery|"
    r"mas barat\w*|mais barat\w*|moins cher\w*)\b"
    r"|%|\+|\*|=|\d ?x ?\d+(?:[.,]\d+)? ?(?:m|cm|mm|ft|in|metres|meters|metros|metres)\b",
)
NUMBER = re.compile(
    r"\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|"
    r"dos|tres|cuatro|cinco|seis|dois|quatro|deux|trois|quatre|cinq)\b",
)
CONDITIONAL = re.compile(
    # the word first (most places fail there at once), then what may not come before it
    r"\b(?=(?:if|unless|otherwise|in case|would it|what happens|suppose|si|se|caso)\b)"
    r"(?<!know )(?<!wondering )(?<!wonder )(?<!ask )(?<!check )(?<!see )(?<!saber )(?<!savoir )"
    r"(?<!sei )(?<!sais )(?<!sabe )(?<!sabes )(?<!saiba )(?<!demander )(?<!perguntar )"
    r"(?<!preguntar )(?<!pour )(?<!de )(?<!no se )(?<!not sure )"
    r"(?:if|unless|otherwise|in case|would it|what happens|suppose|si|se|caso)\b"
    r"(?! (?:puede|pueden|admite\w*|acepta\w*|permite\w*|necesita\w*|cobra\w*|paga\w*|incluye\w*|"
    r"hace|abre|cierra|ofrece\w*|vende\w*|requiere\w*)\b)"
)
MULTI_STEP = re.compile(
    r"\b(?=first\b)(?<!my )(?<!our )(?<!your )(?<!the )(?<!a )first\b|"
    r"\b(?:then|after that|finally|and also|as well as)\b|^[ \t]*\d+[.)]",
    re.M,
)
#: Judgement about the sender's own body, health or safety: a careful answer, never a canned one.
SENSITIVE = re.compile(
    r"\b(?:pain|bleeding|allerg\w*|pregnan\w*|medication|symptoms?|lawyer|legal|"
    r"blood pressure|diabet\w*|asthma\w*|epilep\w*|heart condition|"
    # an emergency, not the service of that name ("do you take emergency appointments?")
    r"emergency(?! (?:appointments?|slots?|service|number|line|contact|visits?|call-?outs?|"
    r"repairs?|hours|cover)\b)|"
    r"lawsuit|complain\w*|unacceptable|furious|disappointed|broken|damaged|never arrived|"
    r"injur\w*|surgery|herniated|osteoporosis|arthritis|condition|safe for me|ok for me|"
    r"embarazada|embarazo|gravida|gravidez|enceinte|grossesse|lesion|lesao|blessure|dolor|"
    r"douleur|dor|"
    r"squashed|missing|"
    r"adequad[ao]|adecuad[ao]|adapte)\b",
)
#: Several questions in one message ("which classes? and how many a week?").
SECOND_QUESTION = re.compile(
    r"\?[^?]*\b(?:and|or|also|y|e|et|ou|o)\b[^?]*\?|\band (?:how|what|which|when|where|"
    r"would|is|are|do|can|should)\b|\by (?:cuanto|como|que|cual)|\be (?:quanto|como|qual|"
    r"o que)|\bet (?:combien|comment|quel|lequel|laquelle)",
)
#: A scenario: how many people, nights or sessions ("30 people", "tres noches", "2x/week").
PEOPLE = re.compile(
    r"\b(?:\d+|two|three|four|five|six|ten|twelve|twenty|thirty|forty|fifty|dos|tres|"
    r"cuatro|cinco|seis|diez|dois|duas|quatro|dez|deux|trois|quatre|cinq|dix)\s?"
    r"(?:people|persons|ppl|pax|guests|adults|kids|children|pessoas|personas|personnes|"
    r"families|familias|familles|couples|parejas|casais|staff|employees|colleagues|students|"
    r"participants|members|empleados|colegas|alumnos|funcionarios|colaboradores|alunos|"
    r"salaries|collegues|eleves|invites|invitados|convidados|"
    r"adultos|adultes|ninos|criancas|enfants|times a week|times per week|"
    r"x/week|x a week|x per week|nights|noches|noites|nuits|days|dias|jours|weeks|semanas|"
    r"semaines|months|"
    r"meses|mois|vezes|veces|fois|sessions|sesiones|sessoes|seances|classes|"
    r"clases|aulas|cours)\b",
)

#: An alternative between options: "X or Y", "vs", "rather than", es/pt/fr. Not "or not", not
#: an "or" that turns to the business ("...or do you lend them?"), and Spanish "o" only before
#: an article or a verb (Portuguese "o" is an article).
ALTERNATIVE = re.compile(
    r"\b(?:or|vs|versus|ou|rather than|instead of|en vez de|en lugar de|em vez de|au lieu de|"
    r"plutot que)\b(?! (?:not|no|nao|non|pas)\b)"
    r"(?! (?:\w+ )?(?:you|ustedes|voce|voces|vcs|vous|teneis|tienen|there)\b)"
    r"|\bo (?=(?:un|una|el|la|los|las|mi|mis|su|sus|mejor|bien|solo|dos|tres|\d)\b|"
    r"\w+(?:ar|er|ir)\b)"
)
#: A question that asks the business to pick ("which would you recommend?", "qual compensa?").
PICK = re.compile(
    r"\b(?:what would you do|if you were me|in my (?:place|shoes)|en mi lugar|no meu lugar|"
    r"a (?:ma|votre) place|(?:which|cual|qual|lequel|laquelle)\b[^?.!]{0,30}?\b(?:better|best)|"
    r"(?:which|what|cual|qual|quel|quelle|lequel|laquelle)\b[^?.!]{0,30}?"
    r"\b(?:recommend\w*|suggest\w*|advise|pick|choose|go for|prefer\w*|cheaper|conseill\w*|"
    r"recomend\w*|recomiend\w*|aconsej\w*|aconselh\w*))\b"
)
#: A comparative in the sentence of the options ("...or is it smarter to replace it?").
COMPARATIVE = re.compile(
    r"\b(?:better|best|smarter|wiser|worth|sense|cheaper|cheapest|more expensive|mejor|melhor|"
    r"mieux|compensa|conviene|mas barato|mais barato|moins cher)\b"
)
#: "should I" before a thing to bring or wear, or a time to come: logistics, not judgement.
LOGISTICS = re.compile(
    r" (?:(?:need|have) to |to )?(?:bring|wear|pack|arrive|come|print|show up|pay|"
    r"llevar|traer|levar|trazer|apporter|porter|venir|vir)\b"
)
#: The sender describes their own situation: "I have...", "my phone keeps...", "tengo...".
#: "I'm 1.63 m" is a measurement to look up, "I'm arriving at 9" a plan, and a booking or an
#: order a transaction: none of them is a case to judge.
SITUATION = re.compile(
    r"\b(?:i(?:'m| am) (?!\d|(?:coming|arriving|going|leaving|flying|landing|driving|staying|"
    r"in|at|on|here|outside)\b)|i(?:'ve| have) (?:been|had|got)\b|(?<!do )i (?:have|had|suffer|"
    r"get|grind|broke|dropped|cracked|hurt|injured|feel|felt|keep|can't|cannot|only|started|"
    r"stopped)\b(?! to\b| (?:a|an) (?:booking|reservation|appointment|order)\b)|"
    r"my (?!(?:booking|reservation|order|appointment|room)\b)(?:\w+ (?:\w+ )?)?(?:is|are|was|"
    r"were|has|have|had|won't|doesn't|don't|isn't|aren't|can't|came|went|got|gets?|"
    r"(?:keep|ache|bleed|hurt|feel|look|seem|make|snore|grind|overheat|drain|freeze|crash|leak|"
    r"flicker|click)s?|kept|broke|cracked|fell|died|dies|started|stopped)\b|"
    r"it (?:keeps|kept|started|stopped|hurts|aches|looks|feels|makes|won't|doesn't|broke|fell|"
    r"died|dies|overheats|drains|freezes|crashes|leaks|flickers)\b|"
    r"we(?:'re| are| have|'ve) |"
    r"(?:i|we) (?:was|were|tried|lost|forgot|missed|did|noticed)\b|"
    r"\bfor (?:a|an|my|our) (?:[\w-]+ ){0,3}(?:that|who|which) |"
    r"(?<!do )(?<!will )(?:i|we) (?:need|have) to be\b|\w+ing again\b|"
    r"(?:you|u) (?:replaced|fixed|repaired|installed|sold|fitted|serviced|did|made|delivered|"
    r"changed|cut|dyed)\b|"
    r"our (?!(?:booking|reservation|order|appointment|room)\b)(?:[\w-]+ (?:[\w-]+ )?)?(?:is|are|"
    r"was|were|has|have|had|keeps?|wants?|needs?|loves?|hates?|gets?|can't|won't|doesn't)\b|"
    r"my (?!(?:booking|reservation|order|appointment|room)\b)(?:[\w-]+ (?:[\w-]+ )?)?(?:wants?|"
    r"needs?|loves?|hates?|refuses?)\b|"
    r"my (?!(?:booking|reservation|order|appointment|room|name)\b)(?:[\w-]+ )?[\w-]+ \w+s\b|"
    r"devons etre|on doit etre|vuelve a|voltou a|volvio a|otra vez|outra vez|de novo|refait|"
    r"a nouveau|(?:que|qu') (?:me |nos )?\w+(?:asteis|isteis|aron|ieron|aram|eram|iram)\b|"
    r"vous (?:m'|nous )?avez (?:repare|installe|change|vendu|monte|coupe|fait|livre)\b|"
    r"(?:tenemos|temos) (?:que|de) estar|"
    r"(?:even though|although|aunque|embora|alors que|bien que) |"
    r"since (?:we|i|my|our|the) |given (?:that|the|my|our|it)\b|i'm \d+(?:,| and| years)|"
    r"\bif (?:i|we|my|our|she|he|they|i'm|we're|she's|he's|they're)\b|"
    r"\bsi (?:je|j'|nous|on|mon|ma|mes|notre|nos|il|elle|mi|mis|nuestr\w+|\w+o)\b|"
    r"\bse (?:eu|nos|o meu|a minha|os meus|as minhas)\b|"
    r"since (?:last|yesterday|\d)|\w+ (?:days|weeks|months|years) ago\b|"
    r"(?:tengo|tenemos) (?!que|una reserva|un pedido|cita)|tuve |estoy (?!en |a |aqui)|sufro |"
    r"me duele|"
    r"mi (?!(?:reserva|pedido|cita)\b)\w+ (?:esta|tiene|se|no|dejo)\b|desde hace |"
    r"(?:tenho|temos) (?!que|de|uma reserva|uma encomenda|marcacao)|tive |sofro |"
    r"estou (?!em |no |na |a |aqui)|"
    r"doi-me|me doi|(?:o meu|a minha) (?!(?:reserva|encomenda|marcacao)\b)\w+ (?:esta|tem|e|"
    r"nao|ficou|caiu|partiu|parou|deixou|aquece)\b|somos |estamos |ha \w+ (?:dias|semanas|"
    r"meses|anos)\b|j'ai (?!besoin|reserve|commande|paye|achete|une reservation|rendez-vous)|"
    r"je suis (?!a |au |en route|dans |devant |la\b|ici)|je souffre|nous avons |nous sommes |"
    r"on est |(?:mon|ma|mes) (?!(?:reservation|commande|rendez-vous)\b)\w+ (?:est|a|ne|fait|s'est|"
    r"chauffe|plante|bloque|fuit|tombe|cassent|tombent)\b|"
    r"depuis (?:\d|ma|mon|mes|hier|longtemps|quelques|plusieurs|la semaine|le mois|l'an|la mise|"
    r"des (?:jours|semaines|mois|annees)|(?:un|une|deux|trois) (?:jours?|semaines?|mois|ans?)))"
)
#: Options asked bare, as a clause of their own ("...keeps shutting down, repair or upgrade?"),
#: not at the end of a request ("can I move it to Saturday or Sunday?").
OPTIONS_QUESTION = re.compile(
    r"(?:^|[,:;.!?\u2014]|\s-) ?(?:[\w'-]+,? ){1,4}(?:or|ou|vs|versus) (?!(?:not|no|nao|non|pas|"
    r"should|do|does|must|can|shall|will|is|are|je|dois|debo|devo)\b|\d)"
    r"[\w'-]+(?: [\w'-]+){0,2} ?\?"
    # or the message opens on them, for a case: "sedan or minivan for 5 people and...?"
    r"|^(?:[\w'-]+ ){0,2}[\w'-]+ (?:or|vs|versus|ou) [\w'-]+(?: [\w'-]+){0,2} (?:for|para|pour)\b"
)
#: The message opens on options and then names what they are for: a request to choose for a
#: case ("v60 or aeropress for a beginner?", "skipper or self-drive, first time on a boat?"),
#: not a question about the offer ("do you sell red or white wine?" opens on its verb).
OPTIONS_FOR = re.compile(
    r"^\W*(?:(?:hi|hello|hey|hiya|ola|oi|hola|bonjour|salut|bom dia|boa tarde|buenas)\W+)?"
    r"(?!(?:do|does|did|can|could|is|are|was|were|have|has|had|will|would|should|shall|may|might|"
    r"must|what|which|when|where|how|who|why|any|tem|tens|tenho|posso|pode|podem|hay|tienen|tiene|"
    r"puedo|puede|se|si|est|avez|peut|puis|quel|quelle|qual|quais|cual|que|quoi|como|comment|"
    r"cuanto|quanto|combien|i|we|my|our|it|its|you|your|please|por favor|just|only)\b)"
    r"(?:[\w'-]+ ){0,3}[\w'-]+,? (?:or|ou|vs|versus) (?:[\w'-]+ ){0,3}?[\w'-]+"
    r"(?:,| (?:for|para|pour|with|com|con|avec|when|quand|cuando|quando)\b)"
    # or sets them side by side and asks for one: "entre un X et un Y, lequel irait mieux..."
    r"|\b(?:between|entre) (?:[\w'-]+ ){0,4}?(?:and|et|e|y) (?:[\w'-]+ ){0,4}?[\w'-]+,? "
    r"(?:which|lequel|laquelle|lesquels|qual|quais|cual|cuales)\b"
)
#: A problem to diagnose: "what am I doing wrong?", "what could be causing it?".
TROUBLESHOOTING = re.compile(
    r"\bwhat (?:am i|are we|i'm|we're|im) doing wrong\b|\bwhat (?:could|might|would|can) (?:be )?"
    r"caus\w*|\bwhat(?:'s| is) (?:causing|going wrong)\b|\bwhat (?:could|might) be (?:the )?"
    r"(?:cause|problem|reason)\b|\bque (?:estoy|estamos) haciendo mal\b|\bque (?:puede|podria) "
    r"(?:estar )?caus\w*|\bo que (?:estou|estamos) a fazer (?:de )?mal\b|\bo que (?:estou|"
    r"estamos) fazendo de errado\b|\bo que (?:pode|podera) (?:estar a )?causar\b|"
    r"\b(?:qu'est-ce que|ce que) (?:je fais|nous faisons|on fait) (?:de )?mal\b|"
    r"\b(?:qu'est-ce qui|ce qui) (?:peut|pourrait) (?:causer|provoquer)\b"
)
#: Torn between options, in so many words ("j'hésite entre...", "dudo entre...").
DILEMMA = re.compile(
    r"\b(?:torn between|hesitating between|(?:can't|cannot|trying to) (?:decide|choose) between|"
    r"j'hesite entre|dudo entre|indecis[oa] entre|dudando entre|hesit\w* entre|duvida entre|"
    r"(?:n'arrive|arrive) pas a (?:choisir|me decider|decider)|no (?:me decido|consigo decidir|se "
    r"que elegir)|nao (?:consigo|sei) (?:decidir|escolher|o que escolher)|can't make up my mind|"
    r"(?:choose|choosing|decide|deciding|pick|picking|elijo|elegir|escoger|escojo|escolho|"
    r"escolher|choisir|choisis|decider|decidir) (?:\w+ )?(?:between|entre))\b"
)
#: Not sure which of two ("no sé si el familiar o el individual..."): a dilemma when options
#: follow in the sentence; alone it is a polite question ("no sé si abrís el domingo").
NOT_SURE = re.compile(
    r"\b(?:not sure (?:if|whether)|no se si|nao sei se|je ne sais pas si|"
    r"i don't know (?:if|whether)|i can't tell (?:if|whether|which))\b"
)
#: The business asked for its own pick or advice: "what would you suggest for...", "which one
#: works best for...", "¿qué nos recomendáis?", "o que me aconselham", "lequel me conseillez-vous".
ASK_PICK = re.compile(
    r"\b(?:what|which|how)\b[^?.!]{0,40}?\b(?:would|do|can|could|d) (?:you|u) (?:recommend|suggest|"
    r"advise|propose|go for|pick|choose|set up|put together|plan|organi[sz]e|arrange)\b|"
    r"\bhow (?:should|could|can|would|do) (?:i|we) (?:best )?(?!(?:get (?:to|there|here|in|into|"
    r"a|an|the|my|our|your|back|started)|go|reach|contact|find|book|"
    r"pay|cancel|reserve|sign|register|apply|order|buy|park|change|access|log|join|call|email|"
    r"check|arrive|come|collect|pick|return|send|use)\b)\w+|"
    r"\b(?:como|comment) (?:devo|deberia|debo|dois-je|devrais-je|elijo|escolho|choisir|escolher|"
    r"elegir)\b|"
    r"\bcomo (?:puedo|podemos|debo|debemos|posso|podemos|devo|devemos) (?:\w+ )?(?!(?:llegar|"
    r"reservar|pagar|chegar|contactar|cancelar|ir|encontrar|comprar|marcar|aparcar|estacionar|"
    r"ligar|llamar|hacer (?:una|la) reserva|fazer (?:uma|a) reserva)\b)\w+ar\b|"
    r"\bcomment (?:puis-je|pouvons-nous|dois-je|devons-nous|faire pour) (?!(?:venir|reserver|"
    r"payer|arriver|annuler|vous|aller|acheter|commander|me garer|nous garer)\b)\w+|"
    r"\bwhich\b[^?.!]{0,40}?\b(?:best|better|most suitable|ideal|more suitable)\b|"
    r"\b(?:any|some|your) (?:advice|ideas|tips|suggestions|recommendations|thoughts)\b|"
    r"\b(?:explain|walk (?:me|us) through|help (?:me|us) understand) (?:how|why|what|whether|"
    r"which|the difference)\b(?! to (?:get|book|pay|find|reach|cancel|use|log)\b)|"
    r"\bwhat (?:do|should) (?:i|we) (?:need to )?(?:consider|think about|keep in mind|watch out "
    r"for)\b|\b(?:what|which)(?: [\w-]+){1,3} would (?:survive|work|help|suit|grow|last|cope|"
    r"handle|fit|be (?:best|better|ideal|right|enough))\b|"
    r"\b(?:what|which|where|how)\b[^?.!]{0,40}?\bwould (?:you|u) (?!(?:charge|cost|need|like|"
    r"accept|take)\b)\w+|\b(?:my|our) best (?:option|bet|choice)|"
    r"\b(?:como|comment) (?:lo |la |le |les |nos |nous |o |a )?\w+(?:riais|rian|riam|riez)\b|"
    r"\b(?:que|qu'est-ce que) (?:vous )?(?:me |nous |nos |lo |le )?(?:vous )?\w+(?:riez|riais|rian|"
    r"riam)\b|"
    r"\bhelp\w* (?:me |us )?(?:with|on) (?:a|an|our|my|the) (?:[\w-]+ ){0,3}(?:trip|itinerary|"
    r"holiday|vacation|party|event|wedding|menu|plan|routine|project|renovation)\b|"
    r"\b(?:looking for|need|want|would like|i'd like|i'd love) (?:some |your )?(?:advice|"
    r"recommendations?|suggestions?|ideas)\b|\bthoughts\?|"
    r"\b(?:alguna|algun|alguma|algum) (?:idea|ideia|sugerencia|sugestao|recomendacion|"
    r"recomendacao|consejo|conselho|dica)|\b(?:des|une) (?:idees?|suggestions?)\b|"
    r"\b(?:un|des) conseils?\b|"
    r"\b(?:que|cual|cuales|qual|quais|quel\w*|lequel|laquelle|lesquel\w*)\b[^?.!]{0,40}?"
    r"\b(?:recomienda\w*|recomendari\w*|sugier\w*|sugeri\w*|aconseja\w*|aconsejari\w*|"
    r"recomenda\w*|sugere\w*|sugerem|aconselha\w*|conseill\w*|recommand\w*|suggere\w*|"
    r"proposez|proponen|proponeis|propoem)\b"
)
#: What follows an ask for advice when the advice is logistics ("what do you recommend to bring?").
LOGISTICS_AFTER = re.compile(
    r"(?: (?:me|us|nos|nous|that|que|de|to|i|we|people|one))? (?:bring|wear|pack|arriv\w*|book\w*|"
    r"reserv\w*|print|get (?:here|there)|come|coming|pay\w*|llevar|traer|levar|trazer|apporter|"
    r"porter|mettre|vestir|usar|llegar|chegar|arriver|reservar|reserver)\b"
    r"|(?: on| for| about| sobre| para| pour)? (?:parking|getting (?:here|there)|directions|"
    r"se garer|aparcar|estacionar)\b"
)
#: Options that are ways to reach the business ("book online or by phone?"): logistics.
CHANNEL_OPTIONS = re.compile(
    r"\b(?:online|phone|email|e-mail|call|whatsapp|in person|llamar|escribir|telefono|correo|"
    r"ligar|telefone|mensagem|appeler|telephone|courriel|en ligne|sur place) (?:or|o|ou) "
    r"(?:by |por |par |via )?(?:online|phone|email|e-mail|call|text|whatsapp|in person|llamar|"
    r"escribir|telefono|correo|ligar|telefone|mensagem|appeler|telephone|courriel|en ligne|"
    r"sur place|the website|the app)\b"
)
#: Why something happens to the sender's own thing, or goes on despite what they do: "why does
#: my bread come out flat?", "por qué se me caen las hojas", "pourquoi mon pain ne lève pas".
WHY_CASE = re.compile(
    r"\b(?:why|how come|por que|porque e que|pourquoi|comment se fait-il)\b[^?.!]{0,60}?"
    r"\b(?:my|our|mine|mi|mis|nuestr[oa]s?|me|meu|minha|meus|minhas|nosso|nossa|mon|ma|mes|notre|"
    r"keeps?|kept|still|even though|although|despite|aunque|sigue|embora|mesmo|continua|alors que|"
    r"malgre|toujours|(?:you|u) (?:sold|installed|fitted|fixed|repaired|made|gave|delivered))\b"
)
#: Two things set side by side: "the difference between", "compared with", "vs".
COMPARE = re.compile(
    r"\b(?:differences? between|diferencias? (?:hay |existe |tiene )?entre|"
    r"diferencas? (?:ha |existe |tem )?entre|differences? (?:y a-t-il |il y a )?entre|"
    r"(?:do|does) (?:\w+ ){1,5}differ|se diferencian|se distinguent|"
    r"compared? (?:to|with)|comparad[oa]s? (?:con|com|a)|em comparacao com|"
    r"en comparaison (?:de|avec)|"
    r"compare|comparing|comparar|comparer|vs|versus)\b"
)
#: Advice for the sender's level: a beginner, "for my level", "never done it".
LEVEL = re.compile(
    r"\b(?:beginners?|novices?|first[- ]timers?|(?:my|our) level|starting out|never (?:done|tried|"
    r"played|ridden|skied|surfed|climbed|dived)|principiantes?|novat[oa]s?|iniciantes?|"
    r"(?:mi|nuestro|meu|nosso) nivel|empezando|a comecar|debutant\w*|(?:mon|notre) niveau|"
    r"nunca (?:he|hice|fiz|hicimos|fizemos)|jamais (?:fait|pratique|joue))\b"
)
#: The figures of a case: a distance, an age, a number of days or weeks (minutes and hours are
#: logistics: "is it better to arrive 10 minutes early?").
CASE_FIGURES = re.compile(
    r"\b\d+[ -]?(?:km|kms|miles|days?|dias|jours|weeks|semanas|semaines|months|meses|mois|"
    r"years? old|yo|anos|ans|-year-old|-month-old)\b|\baged? \d|\b(?:two|three|four|five|dos|"
    r"tres|dois|deux|trois) (?:days|dias|jours|weeks|semanas|semaines)\b|\b(?:half a day|a weekend|"
    r"fin de semana|fim de semana|week-end|a week|una semana|uma semana|une semaine|a fortnight)\b"
)
#: Which thing for a purpose or a person ("quel vélo pour aller au travail", "which boots for
#: someone who..."): a selection to make for the sender's case.
WHICH_FOR = re.compile(
    r"\b(?:which|what|quel|quelle|quels|quelles|qual|quais|que|cual|cuales)(?: [\w'-]+){1,5} "
    r"(?:for (?:going|getting|commuting|riding|daily|everyday|someone|somebody|my|our|a \w+ who)|"
    r"para (?:ir|usar|uso|alguien|alguem|quem|mi|mis|nuestr\w+|o meu|a minha)|"
    r"pour (?:aller|faire|utiliser|un usage|quelqu'un|mon|ma|mes|notre|nos))\b"
)
#: Whether something is worth its cost: a judgement on the sender's case, unless what might be
#: worth it is booking or coming early ("is it worth booking ahead?" is an FAQ).
WORTH = re.compile(
    r"\b(?:(?:is it|would it be|is that|is this|it's) worth|worth it|merece la pena|"
    r"vale (?:la|a) pena|ca vaut (?:le coup|la peine)|vaut-il la peine)\b"
    r"(?! (?:to )?(?:book|reserv|call|com|arriv|llam|lig|marc|appel|ven)\w*)"
)
#: A request for an action ("could someone have a look?"), not for a judgement.
REQUEST = re.compile(
    r"\b(?:(?:can|could) (?:you|someone|somebody|anyone)|please|pls|por favor|pode[ms]?|"
    r"puede[ns]?|podeis|podriais|pouvez|pourriez|s'il vous plait)\b"
)
#: Advice asked for a particular person or case: "best for someone who...", "para mí", or what
#: would suit someone ("what cut would suit a round face?", "me queda mejor").
FOR_A_CASE = re.compile(
    r"\b(?:(?:recommend\w*|suggest\w*|advise|best|better|ideal|right|good|suitable|idea|compar\w*|"
    r"recomiend\w*|recomend\w*|aconsej\w*|aconselh\w*|sugier\w*|suger\w*|mejor|melhor|"
    r"conseill\w*|recommand\w*|meilleur\w*|mieux|adapte\w*|indicad[oa]|adecuad[oa]|"
    r"adequad[oa]|apropiad[oa]|apropriad[oa]|appropriate)\b[^?.!]{0,40}?"
    r"\b(?:for (?:me|us|my|our|someone|somebody|people with|anyone|a family|a couple|a group|"
    r"an? [\w-]+(?: \w+)? (?:who|with)|\w+ who)|"
    r"para (?:mi|nosotros|nosotras|alguien|una persona|mim|nos|"
    r"alguem|o meu|a minha|quem|\w+ que)|pour (?:moi|nous|quelqu'un|mon|ma|mes|une personne|"
    r"\w+ \w+ qui))|(?:would|will|could|might) (?:\w+ )?suit|suits? (?:me|us)|"
    r"me (?:queda|quedaria) (?:mejor|bien)|me (?:fica|ficaria) (?:melhor|bem)|m'irait)\b"
)
#: "Help me plan / choose / decide" in four languages.
PLAN_HELP = re.compile(
    r"\bhelp\w* (?:me |us )?(?:to )?(?:plan|choose|pick|decide|organi[sz]e|figure out|work out|"
    r"put together|design|build|prepare|compare)\b|"
    r"\bayud\w* a (?:elegir|escoger|decidir|planear|planificar|organizar|montar|preparar)\b|"
    r"\bajud\w*(?:-(?:me|nos))? a (?:escolher|decidir|planear|planejar|organizar|montar|"
    r"preparar)\b|\baid\w*(?:-(?:moi|nous))? a (?:choisir|decider|planifier|organiser|preparer)\b"
)
#: Kinds of constraint in one message: money, people, a duration or distance, a diet or a lack.
CONSTRAINTS = (
    re.compile(
        r"€|\$|£|\b(?:eur|euros?|budget|presupuesto|orcamento|reais|max|maximum|at most|"
        r"up to|no more than|under \d+|less than|maximo|moins de|(?:hasta|ate|jusqu'a) \d+|"
        r"\d+ ?(?:each|a head|per head|per person|pp|por persona|por cabeza|por pessoa|"
        r"par personne|par tete))\b"
    ),
    PEOPLE,
    re.compile(
        r"\b\d+ ?(?:km|kms|miles|min|mins|minutes|hours?|hrs?|days?|dias|jours|weeks|"
        r"years? old|yo|anos|ans)\b|\baged? \d|\b(?:two|three|four|five|dos|tres|dois|"
        r"deux|trois) (?:days|dias|jours|weeks|semanas|semaines)\b|\b(?:half a day|a weekend|"
        r"the weekend|fin de semana|fim de semana|week-end|an afternoon|a morning|a week|"
        r"una semana|uma semana|une semaine|a fortnight)\b"
    ),
    re.compile(
        r"\b(?:without|no car|can't|cannot|allergic|allergy|vegan|vegetarian|gluten|"
        r"lactose|wheelchair|sin|sem|sans)\b"
    ),
)
