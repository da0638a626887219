"""The sender's body and family: symptoms, treatments, body parts in a bad state, relatives.

Patterns for `_situation`, on casefolded text without accents, in English, Spanish,
Portuguese and French. A body part alone is what a service is for ("how much to clean my
teeth?"); it is the sender's own when it is in a bad state ("my gum is swollen", "my bad
knee"). A treatment or a symptom with a possessive is theirs ("my filling", "a minha coroa").
"""

from __future__ import annotations

from ._clauses import MY, NOT_ASKED, NOT_ASKED_WIDE
from ._patterns import register

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
    r"fever|rash|abscess|killing me|dizzy|nauseous|nausea|cramps|"
    # what a pet's owner sees
    r"vomiting|diarrh?o?ea|fleas|ticks|worms|limping|scratching|shaking|lethargic|lump|"
    r"off (?:his|her|their) food|not eating|won't eat|sneezing|coughing|wheezing|drooling|"
    r"panting|constipated|overweight|underweight|losing (?:hair|fur|weight)|bald patch\w*|"
    r"hot spots?|matted|itchy skin|ear infection|eye infection)"
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
        rf"\b{NOT_ASKED_WIDE}(?:i|i'm|im|i've|ive|i have|i had|i got|i get|i feel|my|our|it|"
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
FAMILY = [
    register("family", rf"\b{MY}\s+(?:[a-z'-]+\s){{0,2}}?{_FAMILY_WORDS}\b"),
    # The age of their child: "my 8-year-old", "mi hija de 5 años".
    register("family", rf"\b{MY}\s+\d+\s?-?\s?(?:year|yr|y/o|yo|ano|anos|an|ans|month|mes)"),
]

#: For the clause-opening shapes of `_implicit` ("ankle swells up every evening").
BODY, BODY_VERB, SYMPTOM_EN = _BODY, _BODY_VERB, _SYMPTOM_EN

#: Told whatever the clause: a treatment or symptom of theirs, a body part in a bad state.
HEALTH_PAST = [_HEALTH[0], _HEALTH[1], _HEALTH[3]]
#: A symptom said now: skipped inside a clause that opens as a question ("is it sore after?").
HEALTH_NOW = [_HEALTH[2], *_HEALTH[4:]]
