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

A statement inside a hypothetical or a question is not the sender's situation: the clause
before the cue is checked for "if", "whether", "in case", "si", "se", "au cas" (and, for a
present state or a complaint, a clause that opens as a question: "do you fix phones that
won't charge?"). Everything else that matches errs towards personal.

Every pattern is linear: bounded gaps only, no nested unbounded repetition.
"""

from __future__ import annotations

import re

from ._patterns import reason_of, register

#: Not after a modal or a question word: "can I come", "do we need" ask, they do not tell.
NOT_ASKED = (
    r"(?<!can )(?<!could )(?<!do )(?<!does )(?<!did )(?<!should )(?<!may )(?<!might )"
    r"(?<!shall )(?<!will )(?<!would )(?<!must )(?<!if )(?<!when )(?<!how )(?<!where )"
    r"(?<!what )(?<!whether )(?<!once )(?<!before )(?<!after )(?<!unless )"
)
#: As `NOT_ASKED`, and not after "is", "are", "have" (a question: "is it sore after?").
_NOT_ASKED_WIDE = NOT_ASKED + r"(?<!is )(?<!are )(?<!am )(?<!was )(?<!were )(?<!have )(?<!has )"
#: Possessives of the sender, in the four languages.
MY = (
    r"(?:my|our|mi|mis|nuestra|nuestro|nuestras|nuestros|minha|minhas|meu|meus|nossa|nosso|"
    r"nossas|nossos|ma|mon|mes|notre|nos)"
)
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

_BODY = (
    r"(?:tooth|teeth|gum|gums|jaw|mouth|lip|lips|tongue|face|skin|scalp|head|eye|eyes|ear|"
    r"ears|nose|throat|neck|back|spine|shoulder|shoulders|arm|arms|elbow|wrist|hand|hands|"
    r"finger|fingers|thumb|chest|stomach|belly|tummy|hip|hips|knee|knees|leg|legs|ankle|"
    r"ankles|foot|feet|toe|toes|heel|bone|bones|muscle|muscles|joint|joints|blood|heart|"
    r"lungs?|body|molars?|wisdom|"
    r"diente|dientes|muela|muelas|encia|encias|mandibula|boca|labio|labios|lengua|cara|piel|"
    r"cabeza|ojo|ojos|oido|oidos|oreja|orejas|nariz|garganta|cuello|espalda|columna|hombro|"
    r"hombros|brazo|brazos|codo|muneca|mano|manos|dedo|dedos|pecho|estomago|barriga|tripa|"
    r"cadera|rodilla|rodillas|pierna|piernas|tobillo|tobillos|pie(?<=mi pie)|pies(?<=mis pies)|"
    r"hueso|huesos|sangre|"
    r"corazon|cuerpo|"
    r"dente|dentes|gengiva|gengivas|maxilar|queixo|lingua|pele|cabeca|olho|olhos|ouvido|"
    r"ouvidos|orelha|orelhas|pescoco|costas|coluna|ombro|ombros|braco|bracos|cotovelo|pulso|"
    r"mao|maos|peito|anca|joelho|joelhos|perna|pernas|tornozelo|pe(?<=meu pe)|pes(?<=meus pes)|"
    r"osso|ossos|sangue|"
    r"coracao|corpo|"
    r"dent|dents|gencive|gencives|machoire|bouche|levre|levres|langue|visage|peau|tete|oeil|"
    r"yeux|oreille|oreilles|nez|gorge|cou|dos(?<=mon dos)|epaule|epaules|bras|coude|poignet|"
    r"main(?<=ma main)|mains(?<=mes mains)|"
    r"doigt|doigts|poitrine|estomac|ventre|hanche|hanches|genou|genoux|jambe|jambes|cheville|"
    r"chevilles|pied|pieds|os(?<=mes os)|sang|coeur|corps)"
)
_TREATMENT = (
    r"(?:filling|fillings|crown|crowns|extraction|root canal|implant|implants|bridge|veneers?|"
    r"braces|aligners?|retainer|dentures?|cleaning|whitening|x-rays?|scan|surgery|operation|"
    r"procedure|treatment|stitches|cast|injection|jab|vaccine|prescription|medication|meds|"
    r"pills|antibiotics|physio|therapy|"
    r"empaste|empastes|corona|extraccion|endodoncia|implante|implantes|puente|carillas?|"
    r"brackets|ortodoncia|protesis|dentadura|limpieza|blanqueamiento|radiografia|cirugia|"
    r"operacion|tratamiento|puntos|escayola|yeso|inyeccion|vacuna|receta|medicacion|"
    r"medicamentos|pastillas|antibioticos|"
    r"obturacao|chumbo|coroa|extracao|desvitalizacao|ponte|facetas?|aparelho|protese|"
    r"limpeza|destartarizacao|branqueamento|raio-x|cirurgia|operacao|tratamento|pontos|"
    r"gesso|injecao|vacina|receita|medicacao|comprimidos|fisioterapia|"
    r"plombage|couronne|devitalisation|facettes?|appareil|prothese|dentier|detartrage|"
    r"blanchiment|radio|chirurgie|traitement|platre|piqure|vaccin|ordonnance|medicaments|"
    r"cachets|antibiotiques|kine)"
)
_SYMPTOM_NOUN = (
    r"(?:pain|ache|toothache|headache|swelling|infection|abscess|cavity|cavities|allergy|"
    r"allergies|rash|reaction|bleeding|fever|condition|injury|diagnosis|pregnancy|period|bump|"
    r"blood pressure|cholesterol|weight|height|age|health|symptoms|disability|"
    r"dolor|dolores|hinchazon|infeccion|absceso|caries|alergia|alergias|reaccion|sangrado|"
    r"fiebre|lesion|embarazo|regla|peso|altura|edad|salud|"
    r"dor|dores|inchaco|infecao|abcesso|carie|alergia|reacao|sangramento|hemorragia|febre|"
    r"lesao|gravidez|menstruacao|idade|saude|"
    r"douleur|douleurs|gonflement|abces|carie|allergie|allergies|saignement|fievre|blessure|"
    r"grossesse|regles|poids|taille|sante)"
)
_SYMPTOM_EN = (
    r"(?:hurts|hurting|aches|aching|bleeds|bleeding|throbbing|swollen|swelling|sore|numb|"
    r"itchy|itching|burning|infected|inflamed|sensitive|painful|pain|toothache|headaches?|"
    r"fever|rash|abscess|killing me|dizzy|nauseous|nausea|cramps)"
)
#: A body part in a bad state before its name: "my bad knee", "mi muela rota" comes after.
_BODY_STATE = (
    r"(?:bad|sore|injured|broken|weak|dodgy|painful|sensitive|swollen|cracked|chipped|loose|"
    r"bleeding|aching|stiff|torn|fractured|bruised|infected|wobbly|crooked|damaged|operated|"
    r"replaced|new|false|left|right|lower|upper|front|bottom|top)"
)
#: What a body part does or is, as the subject of a sentence ("my gum is swollen", "mi muela
#: se rompió", "o meu dente partiu", "ma dent me fait mal"): the sender's own body.
_BODY_VERB = (
    r"(?:is|are|was|were|has|have|had|keeps|kept|feels|felt|looks|looked|got|gets|seems|"
    r"hurts|hurt|aches|ached|bleeds|bled|broke|cracked|chipped|fell|came|went|started|still|"
    r"won't|doesn't|isn't|aren't|can't|didn't|been|esta|estan|estaba|estaban|tiene|tenia|ha|"
    r"se|sigue|duele|duelen|sangra|sangran|no|estao|estava|estavam|tem|tinha|ficou|"
    r"continua|doi|doem|partiu|caiu|nao|est|sont|etait|a|me|saigne|saignent|ne|s'est)"
)
_HEALTH = [
    # "my filling", "mi empaste", "a minha coroa", "my back pain": a treatment or symptom.
    register("health", rf"\b{MY}\s+(?:[a-z'-]+\s){{0,2}}?(?:{_TREATMENT}|{_SYMPTOM_NOUN})\b"),
    # "my gum is swollen", "my bad knee", "mi rodilla no ...", "ma dent me fait mal" (not
    # "how much to clean my teeth?": a body part the service is for is not its state).
    register(
        "health",
        rf"\b{MY}\s+(?:{_BODY_STATE}\s+(?:[a-z]+\s)?{_BODY}\b|(?:[a-z]+\s)?{_BODY}"
        rf"(?:'s|'re|\s+(?:(?:really|still|just|also|always|now|again|very|so|all)\s+)?"
        rf"{_BODY_VERB})\b)",
    ),
    # "it hurts when I chew", "my gum is swollen", "I get headaches" (not "is it sore after?").
    register(
        "health",
        rf"\b{_NOT_ASKED_WIDE}(?:i|i'm|im|i've|ive|i have|i had|i got|i get|i feel|my|our|it|"
        rf"it's|its|it is|they|they're|still|keeps|kept|he|she|he's|she's|we|we're|"
        rf"the (?:kids|baby|children|little one))\s+(?:[a-z']+\s){{0,4}}?"
        rf"(?:{_SYMPTOM_EN}|sick|ill|unwell|poorly|throwing up|vomiting)\b",
    ),
    # "I have braces", "I wear a retainer", "we use an inhaler" (not "do I have to ...").
    register(
        "health",
        rf"\b{NOT_ASKED}(?:i|we)(?: have| have got|'ve got| wear| use| take| need| needed)\s+"
        rf"(?:[a-z]+\s){{0,2}}?{_TREATMENT}\b",
    ),
    register(
        "health",
        r"\b(?:me|nos) (?:duele|duelen|dolia|dolian|dolio|sangra|sangran|pica|pican|molesta|"
        r"molestan|arde|arden|quema)\b|\b(?:tengo|tenia|tuve|estoy con|ando con|sigo con|"
        r"llevo)\s+(?:[a-z]+\s){0,3}?(?:dolor|dolores|fiebre|infeccion|hinchazon|"
        r"hinchad[oa]s?|inflamad[oa]s?|sangrado|molestias|caries|absceso|alergia|migrana|"
        r"sensibilidad|una muela|el diente|las encias)\b",
    ),
    register(
        "health",
        r"\b(?:doi-me|doem-me|doeu-me|doeram-me|me doi|me doem|me doeu|sangra-me|sangram-me|"
        r"(?:tenho|tinha|tive|estou com|ando com|continuo com|fiquei com)\s+(?:[a-z]+\s){0,3}?"
        r"(?:dor|dores|febre|infecao|inchaco|sangramento|sensibilidade|caries?|abcesso|"
        r"alergia|enxaqueca|um dente|os dentes|a gengiva|as gengivas))\b",
    ),
    register(
        "health",
        r"\b(?:j'ai mal|on a mal|ca me fait mal|me fait mal|me font mal|me fait souffrir|"
        r"je souffre|(?:j'ai|j'avais|je suis)\s+(?:[a-z]+\s){0,3}?(?:douleur|douleurs|fievre|"
        r"infection|abces|caries?|gonfle\w*|enfle\w*|saigne\w*|allergi\w*|migraine))\b",
    ),
]

_FAMILY_WORDS = (
    r"(?:son|sons|daughter|daughters|kid|kids|child|children|boy|boys|girl|girls|baby|"
    r"babies|toddler|teen|teenager|husband|wife|partner|boyfriend|girlfriend|fiance|fiancee|"
    r"mum|mom|mother|mama|mummy|mommy|dad|father|papa|daddy|parents|grandma|grandmother|"
    r"granny|grandpa|grandfather|grandparents|grandson|granddaughter|grandkids|grandchildren|"
    r"brother|sister|siblings|aunt|uncle|cousin|niece|nephew|family|in-laws|stepson|"
    r"stepdaughter|dog|dogs|puppy|cat|cats|kitten|pet|pets|"
    r"hijo|hija|hijos|hijas|nino|nina|ninos|ninas|peque|bebe|marido|esposo|esposa|mujer|"
    r"pareja|novio|novia|madre|padre|padres|abuela|abuelo|abuelos|nieto|nieta|nietos|"
    r"hermano|hermana|hermanos|tio|tia|primo|prima|sobrino|sobrina|familia|suegra|suegro|"
    r"perro|perra|perrito|gato|gata|mascota|"
    r"filho|filha|filhos|filhas|menino|menina|miudo|miuda|miudos|mulher|namorado|namorada|"
    r"companheiro|companheira|mae|pai|pais|avo|avos|neto|neta|netos|irmao|irma|irmaos|"
    r"sobrinho|sobrinha|sogra|sogro|cao|cadela|cachorro|animal|"
    r"fils|fille|filles|enfant|enfants|garcon|mari|femme|conjoint|conjointe|compagnon|"
    r"compagne|copain|copine|mere|pere|grand-mere|grand-pere|grands-parents|petit-fils|"
    r"petite-fille|frere|soeur|oncle|tante|cousine|neveu|niece|famille|chien|chienne|chiot|"
    r"chat|chatte|chaton)"
)
_FAMILY = [
    register("family", rf"\b{MY}\s+(?:[a-z'-]+\s){{0,2}}?{_FAMILY_WORDS}\b"),
    # The age of their child: "my 8-year-old", "mi hija de 5 años".
    register("family", rf"\b{MY}\s+\d+\s?-?\s?(?:year|yr|y/o|yo|ano|anos|an|ans|month|mes)"),
]

_COMPLAINT_ADJ = (
    r"(?:damaged|broken|squashed|crushed|missing|wrong|stale|cold|late|melted|leaking|leaked|"
    r"ruined|dirty|incomplete|spoiled|spoilt|burnt|burned|raw|undercooked|overcooked|soggy|"
    r"mouldy|moldy|rotten|smashed|scratched|stained|faulty|defective|disgusting|awful|"
    r"terrible|horrible|inedible|unacceptable|rude|lukewarm|expired|empty|uneven|patchy|"
    r"worse|useless|unprofessional|tasteless|bland|greasy|nothing like|different|"
    r"not (?:working|right|good|ok|okay|fresh|what|as|enough|done|finished|cooked|clean))"
)
_INTENSIFIER = (
    r"(?:so|very|really|completely|totally|all|still|a bit|bit|quite|too|super|extremely|"
    r"just|already|absolutely|stone|ice|half|also|again|pretty|way|kind of|a little|almost|"
    r"literally)"
)
#: Told in the past: a question rarely starts this way, so only hypotheticals are skipped.
_COMPLAINT_PAST = [
    register(
        "complaint",
        rf"\b(?:was|were|arrived|came|tasted|looked|smelled|felt|seemed|got|turned out|went|"
        rf"turned up|showed up)\s+"
        rf"(?:{_INTENSIFIER}\s+){{0,2}}{_COMPLAINT_ADJ}\b",
    ),
    register(
        "complaint",
        r"\b(?:disappointed|disappointing|unacceptable|not happy|unhappy|ridiculous|"
        r"disgusting|appalling|outrageous|furious|fed up|frustrated|annoyed|complain|"
        r"complaining|complaint|scam|ripped off|rip-off|rip off|waste of money|refund me|"
        r"my money back|decepcionad[oa]s?|decepcion|inaceptable|verguenza|indignad[oa]s?|"
        r"queja|quejarme|reclamacion|estafa|pesim[oa]|inaceitavel|inadmissivel|vergonha|"
        r"reclamacao|burla|pessim[oa]|horrivel|decu|decue|decus|inacceptable|inadmissible|"
        r"scandaleux|honteux|honte|plainte|me plaindre|arnaque|lamentable)\b",
    ),
    register(
        "complaint",
        r"\b(?:i|we|i'd|we'd|i'll|i would|we would)\s+(?:[a-z]+\s)?(?:want|need|like|demand|"
        r"expect|request|deserve)\s+(?:(?:a|an|my|our|the|full|some|to get|to have)\s+){0,2}"
        r"(?:refund|money back|replacement|compensation|new one)\b|"
        r"\b(?:quiero|queremos|exijo|quero|je veux|je voudrais|nous voulons|j'exige|"
        r"j'aimerais)\s+(?:[a-z]+\s){0,2}?(?:reembolso|devolucion|dinero|dinheiro|devolucao|"
        r"rembourse\w*|remboursement|argent)\b",
    ),
    register(
        "complaint",
        rf"\b(?:came|come|turned) out\s+(?:{_INTENSIFIER}\s+){{0,2}}(?:too|so|really|very|"
        r"all|badly|wrong|different|nothing|patchy|uneven|terrible|awful|horrible)\b|"
        r"\bno (?:sign|news|word|update|trace) (?:of|on|from|about)\b|"
        r"\b(?:haven't|have not|never|still haven't|didn't|did not) (?:heard|had) back\b|"
        r"\bnever (?:got|had|heard|received|came|arrived|showed)\b|"
        r"\b(?:charged|took|taken|debited|billed|paid|cobrad[oa]|cobraram|cobraron|debite|"
        r"facture)\s+(?:[a-z]+\s){0,3}?(?:twice|two times|double|dos veces|duas vezes|"
        r"deux fois)\b|"
        r"\b(?:waiting|waited|wait)\s+(?:for\s+)?(?:over |more than |almost |nearly )?(?:an|one|"
        r"two|three|\d+|half an) (?:hour|hours|minutes|mins|days|weeks)\b|"
        r"\bhace (?:mas de )?(?:una|un|dos|tres|\d+|media) (?:hora|horas|minutos|dias|semanas|"
        r"semana|mes|meses) que\b|\bha (?:mais de )?(?:uma|um|duas|dois|tres|\d+|meia) "
        r"(?:hora|horas|minutos|dias|semanas|semana|mes|meses) que\b|"
        r"\b(?:j'attends|on attend|nous attendons|ca fait (?:une|un|deux|trois|\d+) "
        r"(?:heure|heures|minutes|jours|semaines) que)\b",
    ),
    register(
        "complaint",
        r"\b(?:the|a|got|sent|gave|delivered|brought|received) wrong\b|"
        r"\b(?:o|a|os|as|el|la|los|las|um|uma|un|una) (?:[a-z]+ )?(?:errad[oa]s?|"
        r"equivocad[oa]s?)\b",
    ),
    register(
        "complaint",
        r"\b(?:no (?:me )?(?:ha llegado|han llegado|llego|llegaron|es lo que (?:pedi|pedimos|"
        r"compre))|nunca (?:llego|llegaron)|(?:todavia|aun) no (?:(?:ha|han|me|he|hemos|nos) )?"
        r"(?:llegado|llego|recibido|recibi|recibimos|contestado|respondido|devuelto|arreglado)|"
        r"sigo esperando|seguimos esperando|dejo de funcionar|(?:llego|llegaron|vino|vinieron|"
        r"estaba|estaban) (?:(?:muy|todo|toda|completamente|un poco|bastante) )?(?:roto|rota|"
        r"rotos|rotas|frio|fria|frios|frias|tarde|mal|aplastad[oa]s?|danad[oa]s?|abiert[oa]s?|"
        r"incomplet[oa]s?|crud[oa]s?|quemad[oa]s?|caducad[oa]s?|podrid[oa]s?|sucio|sucia)|"
        r"faltaba|faltaban|(?:me|nos) (?:han )?cobrad[oa] (?:de mas|dos veces)|"
        r"(?:me|nos) cobraron (?:de mas|dos veces))\b",
    ),
    register(
        "complaint",
        r"\b(?:nao (?:me )?(?:chegou|chegaram|veio|vieram|recebi|recebemos|e o que (?:pedi|"
        r"encomendei|comprei))|nunca (?:chegou|chegaram|veio|recebi)|ainda nao (?:chegou|"
        r"chegaram|veio|recebi|recebemos|me|responderam|devolveram)|continuo a espera|"
        r"continuo a esperar|deixou de funcionar|parou de funcionar|(?:chegou|chegaram|veio|"
        r"vieram|estava|estavam) (?:(?:muito|todo|toda|completamente|um pouco|bem|bastante) )?"
        r"(?:partid[oa]s?|estragad[oa]s?|fri[oa]s?|tarde|atrasad[oa]s?|errad[oa]s?|"
        r"incomplet[oa]s?|amassad[oa]s?|abert[oa]s?|esmagad[oa]s?|danificad[oa]s?|crus?|crua|"
        r"cruas|queimad[oa]s?|salgad[oa]s?|sujo|suja|horrivel|pessim[oa]|mal)|faltava|"
        r"faltavam|cobraram (?:a mais|duas vezes))\b",
    ),
    register(
        "complaint",
        r"\b(?:(?:pas|jamais|toujours pas) (?:encore )?(?:recu|arrive|arrivee|livre|livree|"
        r"eu de (?:reponse|nouvelles))|toujours pas|ne (?:marche|fonctionne|s'allume|charge) "
        r"(?:plus|pas)|(?:est|sont) (?:arrive|arrivee|arrives|arrivees) (?:[a-z]+ )?(?:froid|"
        r"froide|froids|casse|cassee|abime|abimee|endommage\w*|en retard|incomplet\w*|"
        r"ouvert\w*)|(?:etait|etaient|c'etait) (?:[a-z]+ )?(?:froid|froide|froids|froides|"
        r"casse|cassee|abime|abimee|brule\w*|cru|crue|immangeable|mauvais\w*|degoutant\w*|"
        r"sale|rassis|rassise|pas bon|pas bonne)|il manquait|il manque (?:un|une|le|la|les|"
        r"des|deux)|manquait|ce n'est pas ce que (?:j'ai|nous avons) (?:commande|demande|"
        r"achete|reserve)|(?:facture|debite) deux fois)\b",
    ),
]
#: Told in the present: skipped also inside a question ("do you fix phones that won't charge?").
_COMPLAINT_NOW = [
    register(
        "complaint",
        rf"\b(?:is|are|it's|its|they're|tastes|taste|looks|smells|feels|seems|still)\s+"
        rf"(?:{_INTENSIFIER}\s+){{0,2}}{_COMPLAINT_ADJ}\b",
    ),
    register(
        "complaint",
        r"\b(?:not|never|didn't|did not|hasn't|has not|haven't|have not|hadn't|wasn't|"
        r"weren't|isn't|is not|doesn't|does not|won't|will not|still no|no one|nobody)\s+"
        r"(?:(?:yet|even|been|properly|correctly|really|at all|ever|once|again|still|actually)"
        r"\s+){0,2}(?:arrived|come|came|received|delivered|working|work|works|turn on|"
        r"turning on|turned on|switch on|charge|charging|charges|fixed|repaired|ready|"
        r"showed up|shown up|turned up|heard back|answered|replied|responded|called back|"
        r"refunded|picked up|answering|responding|what i (?:ordered|asked for|paid for|wanted|"
        r"expected|booked)|as (?:described|advertised|shown|ordered|promised|agreed)|cooked|"
        r"fresh|edible|included|in the (?:bag|box|order)|fit|fits|suit|match|last|help|"
        r"helped)\b",
    ),
    register(
        "complaint",
        r"\b(?:no (?:me )?(?:funciona|funcionan|ha funcionado|enciende|carga|sirve)|"
        r"(?:esta|estan) (?:(?:muy|todo|toda|completamente|un poco) )?(?:roto|rota|rotos|"
        r"rotas|mal|crud[oa]s?|quemad[oa]s?|caducad[oa]s?|podrid[oa]s?)|"
        r"nao (?:funciona|funcionam|liga|carrega|acende)|(?:esta|estao) (?:(?:muito|todo|toda|"
        r"completamente) )?(?:partid[oa]s?|estragad[oa]s?|podre|podres))\b",
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

#: A hypothetical: what follows is not something that happened to the sender.
_HYPOTHETICAL = re.compile(
    r"\b(?:if|whether|in case|unless|suppose|supposing|assuming|what happens|si|caso|"
    r"en caso de|au cas|est-ce qu\w*|s'il|s'ils)\b|"
    r"(?<!-)\bse (?:eu|nos|tu|ele|ela|voces|o|a|os|as|um|uma|[a-z]+(?:r|rem|rmos))\b"
)
#: A question opening the clause ("do you fix phones that won't charge?", "¿está frío?").
_QUESTION_START = re.compile(
    r"^\s*(?:\W\s*)?(?:do|does|did|can|could|will|would|should|is|are|was|were|how|what|"
    r"which|when|where|why|who|whats|what's|any|have|has|quel|quelle|quels|quelles|que|qual|"
    r"quais|cual|cuales|como|comment|quanto|cuanto|cuanta|combien|est-ce|puedo|puede|pueden|"
    r"posso|pode|podem|hay|ha|tem|tienen|vendem|venden|hacen|fazem|faites|peut|peux|"
    r"pouvez|acceptez)\b|^\s*¿"
)
_CLAUSE_BREAK = re.compile(r"[.;:!?,()\n\u2014\u2013]|\s-\s")
#: How far back the clause before a cue is read (messages over 4,000 characters are not read).
_LOOKBACK = 160


def _clause_before(folded: str, start: int) -> str:
    window = folded[max(0, start - _LOOKBACK) : start]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    return window[breaks[-1].end() :] if breaks else window


#: People in general: "for pregnant women", "someone with arthritis", "personas con ...".
_ANYONE = re.compile(
    r"\b(?:people|person|someone|anyone|somebody|anybody|those|clients|patients|customers|"
    r"students|women|woman|men|ladies|mothers|mums|moms|kids|children|beginners|seniors|"
    r"personas|persona|alguien|pessoas|pessoa|alguem|personnes|personne|quelqu'un|gente|"
    r"clientes|pacientes|femmes|mujeres|mulheres|senhoras|mamas|maes|futuras|futures)\b"
)


def told(folded: str, pattern: re.Pattern[str], *, present: bool, anyone: bool = False) -> bool:
    """Whether `pattern` matches as something the sender tells, not asks or supposes.

    Args:
        folded: the casefolded, unaccented text.
        pattern: the cue.
        present: a present state or request, so also skipped in a clause opening as a question.
        anyone: also skipped when its sentence speaks of people in general ("for pregnant
            women", "someone with arthritis").
    """
    for match in pattern.finditer(folded):
        clause = _clause_before(folded, match.start()) + match.group(0)
        if _HYPOTHETICAL.search(clause):
            continue
        if present and _QUESTION_START.search(clause):
            continue
        if anyone and _ANYONE.search(_sentence_around(folded, match.start(), match.end())):
            continue
        return True
    return False


_SENTENCE_BREAK = re.compile(r"[.;!?\n]")


def _sentence_around(folded: str, start: int, end: int) -> str:
    window = folded[max(0, start - _LOOKBACK) : end + _LOOKBACK]
    offset = max(0, start - _LOOKBACK)
    before = [m.end() for m in _SENTENCE_BREAK.finditer(window, 0, start - offset)]
    after = _SENTENCE_BREAK.search(window, end - offset)
    return window[before[-1] if before else 0 : after.start() if after else len(window)]


#: Past events are told even inside a question; present states and requests are not.
_TOLD_PAST = [
    _SITUATION[0], _SITUATION[2], _SITUATION[4], _SITUATION[6], _HEALTH[0], _HEALTH[1],
    _HEALTH[3], *_FAMILY, *_COMPLAINT_PAST, _LATE_PHRASE, _ACCOUNT[0], *_ACCOUNT[2:],
]  # fmt: skip
_TOLD_NOW = [
    _SITUATION[1], _SITUATION[3], _SITUATION[5], _SITUATION[7], _HEALTH[2], *_HEALTH[4:],
    *_COMPLAINT_NOW, *_LATE, _ACCOUNT[1],
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
    if "own_dates" not in found and _DATE.search(folded) and _FIRST_PERSON.search(folded):
        found.append("own_dates")
    return found
