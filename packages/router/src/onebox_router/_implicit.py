"""The sender's situation with the sender left out of the words.

Customers on a phone drop the subject and the possessive: "ankle swells up every evening",
"wife hurt her wrist", "can't make it today", "the massage on thursday at 3", "it's been
three weeks", "arrived with a dent", "since the update". These rules read such shapes in
English, Spanish, Portuguese and French, on casefolded text without accents; each is skipped
inside a hypothetical, and those told in the present also inside a clause that asks
(`_clauses.told`). The clause-opening shapes are read by `_statements` on each clause that
neither asks nor supposes.

Every pattern is linear: bounded gaps only, no nested unbounded repetition.
"""

from __future__ import annotations

from ._body import BODY, BODY_VERB, SYMPTOM_EN
from ._patterns import register

_WEEKDAY = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thurs|"
    r"fri|sat|sun|lunes|martes|miercoles|jueves|viernes|sabado|domingo|segunda|terca|quarta|"
    r"quinta|sexta|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
)
_DAY = (
    rf"(?:{_WEEKDAY}|today|tonight|tomorrow|this (?:evening|afternoon|morning|weekend)|"
    r"the weekend|the \d{1,2}(?:st|nd|rd|th)?|manana|esta (?:noche|tarde)|hoy|"
    r"(?:el |este )?fin de semana|hoje|amanha|esta (?:noite|tarde)|(?:o |este )?fim de semana|"
    r"aujourd'hui|demain|ce soir|cet apres-midi|ce week-end|ce weekend)"
)
#: What a customer books or orders and later refers to by its day.
_BOOKED = (
    r"(?:table|room|cake|appointment|booking|reservation|order|cut|haircut|trim|colour|color|"
    r"cleaning|check-?up|treatment|massage|fitting|"
    r"mesa|habitacion|tarta|cita|reserva|pedido|corte|limpieza|revision|quarto|bolo|"
    r"marcacao|consulta|encomenda|entrega|chambre|gateau|rendez-vous|rdv|commande|coupe|"
    r"livraison|creneau)"
)
#: Time words that place an event of the sender's in the past ("an hour ago", "ayer").
_WHEN_PAST = (
    r"(?:(?:\d+|a|an|one|two|three|four|five|six|few|a few|couple of|a couple of) "
    r"(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?) ago|yesterday|"
    rf"the other day|last (?:night|week|month|year|weekend|{_WEEKDAY})|ayer|anoche|anteayer|"
    r"(?:la semana|el mes|el ano|el finde) pasado|la semana pasada|el otro dia|"
    r"hace (?:\d+|un|una|unos|unas|dos|tres|cuatro|cinco) ?(?:minutos|horas|dias|semanas|"
    r"meses|anos|dia|hora|semana|mes|ano)\b|hace poco|ha pouco|il y a peu|ontem|anteontem|"
    r"(?:na|a) semana passada|(?:no|o) (?:mes|ano|fim de semana) passado|(?:no|o) outro dia|"
    r"ha (?:\d+|um|uma|uns|umas|dois|duas|tres|quatro|cinco|pouco) (?:minutos|horas|dias|"
    r"semanas|meses|anos|dia|hora|semana|mes|ano)|hier|avant-hier|"
    r"il y a (?:\d+|un|une|deux|trois|quatre|cinq|quelques) ?(?:minutes|heures|jours|"
    r"semaines|mois|ans|jour|heure|semaine|an)\b|la semaine derniere|le mois dernier|"
    r"l'autre jour)"
)

#: Told whatever the clause (only hypotheticals are skipped).
TOLD_PAST = [
    # "picked it up two days ago", "lo compré ayer", "il y a trois jours".
    register("situation", rf"\b{_WHEN_PAST}"),
    # Their thing by its day: "the massage on thursday at 3", "la reserva para el viernes",
    # "le rendez-vous de jeudi", "saturday's haircut".
    register(
        "account",
        rf"\b(?:the|that|this|our|la|el|esa|esta|o|esse|essa|este|le|cette|ce|"
        rf"a(?= (?:marcacao|consulta|encomenda|reserva)\b))\s+{_BOOKED}\s+"
        rf"(?:[a-z0-9:']+\s){{0,3}}?(?:on|for|at|del|de|para|el|do|da|no|na|pour|du|ce)\s+{_DAY}\b|\b(?:{_WEEKDAY}|today|tonight|tomorrow)'s\s+"
        rf"(?:[a-z0-9:]+\s){{0,2}}?{_BOOKED}\b",
    ),
    # Absent or late without a subject: "can't make it today", "no puedo ir hoy", "be there in 10".
    register(
        "own_dates",
        r"\b(?:won't|wont|can't|cant|cannot|not going to|not gonna|unable to|couldn't|"
        r"couldnt) (?:make|get there|come|be there|attend)\b|"
        r"\b(?:be |get )?there in (?:\d+|five|ten|fifteen|twenty|thirty|a few|an hour|"
        r"half an hour)\b|"
        r"\bno (?:puedo|podre|voy a poder|podemos|vamos a poder) (?:ir|venir|llegar|asistir)\b|"
        r"\bnao (?:consigo|consigo mesmo|posso|vou conseguir|vou poder|conseguimos|podemos) "
        r"(?:ir|vir|chegar|aparecer)\b|"
        r"\b(?:je ne (?:peux|pourrai|vais) pas|nous ne (?:pouvons|pourrons|allons) pas|"
        r"on ne (?:peut|pourra|va) pas) (?:venir|aller|etre la|pouvoir venir)\b",
    ),
    # How long they have waited: "it's been three weeks", "ya van cinco días".
    register(
        "complaint",
        r"\b(?:it's|its|it has|has|it's now|been) been (?:over |more than |almost |nearly )?"
        r"(?:\d+|a|an|one|two|three|four|five|six|several|a few|few) (?:days?|weeks?|months?|"
        r"hours?)\b|\bya van (?:\d+|dos|tres|cuatro|cinco) (?:dias|semanas)\b|"
        r"\bja (?:la )?vao (?:\d+|dois|duas|tres|quatro|cinco) (?:dias|semanas)\b",
    ),
    # What they received came with something wrong: "arrived with a dent", "veio com".
    register(
        "complaint",
        r"\b(?:came|arrived|turned up|showed up|vino|vinieron|llego|llegaron|veio|vieram|"
        r"chegou|chegaram|est arrive\w*|sont arrive\w*|etait livre\w*) (?:with|con|com|avec)\b",
    ),
    # Their relative by a bare genitive: "grandpa's hearing", "son's braces" (not "a son's",
    # "mother's day").
    register(
        "family",
        r"(?<!\ba )(?<!\bthe )(?<!\bany )(?<!\byour )(?<!\bhis )(?<!\bher )(?<!\btheir )"
        r"(?<!\bevery )(?<!\bfor )\b(?:husband|wife|hubby|partner|boyfriend|girlfriend|fiance|"
        r"fiancee|mum|mom|mother|mummy|mommy|dad|father|daddy|son|daughter|grandma|grandpa|"
        r"granny|gran|nan|nana|brother|sister|baby|toddler|missus)'s\b(?! day\b)",
    ),
    # Asking after something of theirs: "any update on the repair?", "is it ready yet?",
    # "alguna novedad?", "des nouvelles de la commande ?".
    register(
        "account",
        r"\bany (?:news|update|updates|word|progress|joy|luck) (?:on|about|re|regarding|with|"
        r"from)\b|\b(?:status|progress) (?:of|on) (?:the|my|our|it|this|that)\b|"
        r"\b(?:ready|done|finished|fixed|repaired|sorted|shipped|dispatched|posted|sent|"
        r"processed|through) yet\b|\bhow(?:'s| is) (?:the|it|my|our) (?:[a-z]+ )?(?:going|"
        r"coming (?:on|along))\b|\bstill on for\b|\b(?:alguna|hay|algunas) novedad(?:es)?\b|"
        r"\balguma novidade\b|\bnovidades (?:da|do|sobre)\b|\b(?:des|du) nouvelles? "
        r"(?:de|du|pour|concernant|sur)\b|\b(?:ya|ja) (?:esta|estan|estao) (?:list[oa]s?|"
        r"pront[oa]s?|arreglad[oa]s?|reparad[oa]s?|arranjad[oa]s?|terminad[oa]s?|enviad[oa]s?)\b|"
        r"\b(?:est|sont) (?:deja )?(?:pret|prete|prets|pretes|repare|reparee|envoye|envoyee|"
        r"expedie|expediee)s? deja\b|\bdeja (?:pret|prete|repare|reparee|envoye|expedie)",
    ),
    # What their doctor, vet or physio said: "the vet says she's overweight", "el médico me
    # dijo", "a fisioterapeuta mandou", "le vétérinaire a dit".
    register(
        "health",
        r"\b(?:the|my|our|his|her|their) (?:vet|doctor|gp|physio|physiotherapist|surgeon|nurse|"
        r"specialist|dermatologist|orthopaedist|orthopedist|dentist|midwife|osteo|osteopath|"
        r"chiropractor|pediatrician|paediatrician|consultant)\s+(?:(?:just|also|already|"
        r"then)\s+)?(?:says|said|told|wants|wanted|recommended|recommends|thinks|thought|"
        r"advised|suggested|prescribed|found|cleared|reckons|mentioned)\b|"
        r"\b(?:el|la|mi) (?:veterinari[oa]|medic[oa]|doctor|doctora|fisio|fisioterapeuta|"
        r"dentista|traumatologo|traumatologa|pediatra|matrona)\s+(?:(?:me|nos|le|ya)\s+)?"
        r"(?:dijo|dice|recomendo|recomienda|receto|mando|aconsejo|quiere)\b|"
        r"\b(?:o|a|meu|minha) (?:veterinari[oa]|medic[oa]|fisioterapeuta|fisio|dentista|"
        r"ortopedista|pediatra|enfermeir[oa])\s+(?:(?:ja|me|nos|lhe)\s+)?(?:disse|diz|"
        r"recomendou|recomenda|receitou|mandou|aconselhou|quer)\b|"
        r"\b(?:le|la|mon|ma) (?:veterinaire|medecin|docteur|kine|kinesitherapeute|dentiste|"
        r"chirurgien|pediatre|sage-femme|osteo|osteopathe)\s+(?:m'|nous |lui )?(?:a dit|dit|"
        r"a conseille|conseille|a recommande|recommande|a prescrit|veut)\b",
    ),
    # Their booking moved: "can we push it to 8?", "move us to the later slot".
    register(
        "account",
        r"\b(?:move|push|shift|bump|bring|change|switch|swap|put) (?:it|us|me|ours|mine|that one)"
        r" (?:to|back|forward|up|later|earlier|till|until|for|from|over)\b",
    ),
    # Where something of theirs is: "where's the refund?", "¿dónde está el pedido?".
    register(
        "account",
        r"\bwhere(?:'s| is| are) (?:the|our) (?:refund|money|order|parcel|package|delivery|"
        r"confirmation|receipt|invoice|repair|booking|tracking)\b|\b(?:donde|onde|ou) (?:esta|"
        r"estan|estao|est|sont) (?:el|la|o|a|le|les|mi|mis|meu|minha|ma|mon|mes) "
        r"(?:reembolso|dinero|dinheiro|pedido|paquete|encomenda|entrega|remboursement|argent|"
        r"commande|colis|livraison|reparacion|reparacao)\b",
    ),
    # Money taken or owed: "got charged for both", "the deposit never went through".
    register(
        "account",
        r"\b(?:taken|deducted|withdrawn|debited|came out|went out) (?:of|from) (?:the|my|our) "
        r"(?:card|account|bank)\b|\b(?:me|nos) (?:han |ha )?(?:cobrado|descontado|quitado|"
        r"retirado|cargado)\b|\b(?:descontaram|debitaram|tiraram|cobraram)\b|"
        r"\b(?:preleve|debite|facture|encaisse)s? (?:deux fois|en double|\d)|"
        r"\b(?:payment|charge|transfer|refund) (?:is |was |still )?pending\b|"
        r"\b(?:got|was|were|been|being|get|gets) (?:double |over)?(?:charged|billed|debited|"
        r"refunded|overcharged|invoiced|taken|deducted)\b|"
        r"\b(?:the|that|this|la|el|o|le) (?:deposit|refund|"
        r"payment|transfer|charge|transaction|sinal|deposito|reembolso|pago|pagamento|"
        r"transferencia|cobro|cobranca|acompte|remboursement|paiement|virement|prelevement)\s+"
        r"(?:[a-z]+\s){0,2}?(?:hasn't|has not|didn't|did not|not|never|still|went|was|came|"
        r"bounced|failed|no|nao|pas|n'a|ne|se|ha|foi|fue|ainda|todavia|toujours)\b",
    ),
    # A payment of theirs refused or taken twice: "card got declined", "came out twice".
    register(
        "account",
        r"\b(?:card|payment|transfer|direct debit|debit|tarjeta|pago|cartao|pagamento|carte|"
        r"paiement|prelevement)\s+(?:[a-z]+\s){0,2}?(?:got |was |has been |is |keeps getting |"
        r"fue |foi |a ete |est )?(?:declined|rejected|refused|bounced|rechazad[ao]|denegad[ao]|"
        r"recusad[oa]|refusee?|rejetee?)\b|"
        r"\b(?:came out|went out|was taken|got taken|charged|debited|billed|cobrad[oa]s?|"
        r"cobraron|cobraram|debitad[oa]|preleve|debite)\s+(?:[a-z]+\s){0,3}?(?:twice|two times|"
        r"double|dos veces|duas vezes|deux fois|2x)\b",
    ),
    # Their invoice read back: "invoice says 3 hours but...", "la factura pone...".
    register(
        "account",
        r"\b(?:invoice|bill|receipt|quote|factura|fatura|facture|recibo|devis|orcamento|"
        r"presupuesto)\s+(?:says|said|shows|showed|charges|charged|dice|pone|decia|diz|dizia|"
        r"mostra|indique|indiquait|dit|disait)\b",
    ),
    # What they are waiting for, for a thing of theirs: "received the part for my boiler?",
    # "the filter for my machine come in yet?".
    register(
        "account",
        r"\b(?:received|arrived|come in|in yet|recu|recue|arrive|arrivee|recibido|recibisteis|"
        r"llegado|chegou|recebido|receberam)\b[^.?!]{0,30}?\b(?:for my|for our|pour (?:mon|ma|"
        r"mes|notre|nos)|para (?:mi|mis|o meu|a minha|os meus|as minhas|meu|minha|nuestro|"
        r"nuestra))\b|"
        r"\b(?:for my|for our|pour (?:mon|ma|mes|notre|nos)|para (?:mi|mis|o meu|a minha|"
        r"os meus|as minhas|meu|minha|nuestro|nuestra))\b[^.?!]{0,30}?\b(?:arrived|come in|"
        r"came in|in yet|arrive|arrivee|arrivees|llegado|llego|chegou|chegaram)\b",
    ),
    # A visit moved to or from a day: "move Rocco's groom to saturday", "instead of thursday".
    register(
        "own_dates",
        rf"\b(?:move|moving|reschedule|rescheduling|push|shift|bring forward|change|switch)\s+"
        rf"(?:[a-z'\u2019]+\s){{0,3}}?(?:to|from|till|until)\s+(?:the |this |next |"
        rf"following )?(?:{_DAY}|next week|following week)\b|"
        rf"\b(?:instead of|rather than|en vez del?|en lugar del?|em vez d[aoe]|au lieu du?)\s+"
        rf"(?:the |el |la |o |a |le |on )?{_DAY}\b",
    ),
    # Nobody in at their place, or someone needed there now: "nobody's home on thursday",
    # "how fast can you get here".
    register(
        "situation",
        r"\b(?:nobody|no one|noone|no-one)(?:'s| is| will be|'ll be)? (?:home|at home|in)\b|"
        r"\bno (?:hay|habra|estara|estaremos) nadie en casa\b|\bnao (?:ha|vai estar|esta|"
        r"estara) ninguem em casa\b|\bpersonne (?:n'est |ne sera )?(?:a la maison|chez (?:moi|"
        r"nous))\b|\bhow (?:fast|soon|quickly) can (?:you|u|someone|somebody|anyone|a [a-z]+)\s+"
        r"(?:get|come|be)\s+(?:here|over|round|out)\b|\bcuanto (?:tardais|tardan|tardas) en "
        r"(?:venir|llegar)\b|\bquanto tempo (?:demoram|levam|demora) a (?:vir|chegar)\b|"
        r"\bdans combien de temps (?:pouvez-vous|vous pouvez) (?:venir|passer)\b",
    ),
    # Waking up ill: "woke up with a fever", "me desperté con fiebre", "acordei com febre".
    register(
        "health",
        r"\bwoke up (?:this morning )?(?:with|feeling|sick|ill|unwell|covered)\b|"
        r"\bme (?:desperte|levante) (?:hoy )?(?:con|mal|enferm[oa])\b|"
        r"\bacordei (?:hoje )?(?:com|mal|doente)\b|\bje me suis reveille(?:e)? (?:avec|malade)\b",
    ),
]
#: Told in the present: also skipped inside a clause that asks.
TOLD_NOW = [
    # A symptom someone has had for a while: "has been sneezing", "keeps coughing", "tiene
    # pulgas", "a des puces".
    register(
        "health",
        rf"\b(?:has|have|'s|'ve) been (?:[a-z]+ )?{SYMPTOM_EN}\b|\b(?:keeps|kept|started|starts|"
        rf"began) (?:[a-z]+ )?{SYMPTOM_EN}\b|\b(?:tiene|tienen|tem|teem|a|ont) (?:(?:muchas|"
        r"muitas|des|otra vez|outra vez|de nuevo)\s+)?(?:pulgas|garrapatas|carracas|puces|"
        r"tiques|otitis|otite|diarrea|diarreia|diarrhee|vomitos|sarna|gale|vermes|lombrices|"
        r"vers)\b",
    ),
    # Since an event of theirs: "since the update", "desde que lo arreglasteis", "depuis hier".
    register(
        "situation",
        rf"\bsince (?!when\b)(?:the|my|our|last|yesterday|this morning|then|{_WEEKDAY}|\d)|"
        rf"\bdesde (?:que|ayer|anoche|hace|ontem|ha|el (?:ultimo|otro)|o (?:ultimo|outro)|"
        rf"a ultima|la ultima|(?:el |o |a |la )?{_WEEKDAY})\b|"
        rf"\bdepuis (?:que|qu'|hier|ce matin|la semaine|le (?:debut|dernier)|la (?:derniere|"
        rf"seance|visite|revision|reparation|pose|coupe|couleur|operation|chute)|"
        rf"l'(?:operation|accident|intervention|entretien)|{_WEEKDAY}|\d)",
    ),
    # A recurring fault: "keeps restarting", "sigue fallando", "continua a desligar".
    register(
        "complaint",
        r"\b(?:keeps|kept|keep) (?:on )?[a-z]{2,}ing\b|\b(?:sigue|siguen) [a-z]{2,}(?:ando|"
        r"iendo)\b|\b(?:continua|continuam) a [a-z]{2,}r\b|\b(?:volvio|voltou|a recommence) a\b|"
        r"\bn'arrete pas de\b",
    ),
    # Worn, dead or flat: a state of what they own ("the battery went flat", "ha encogido").
    register(
        "complaint",
        r"\b(?:is|are|it's|its|they're|went|goes|gone|keeps going)\s+(?:(?:completely|totally|"
        r"already|still|always|just)\s+)?(?:dead|flat|drained|jammed|stuck|frayed|faded|"
        r"shrunk|ripped|wobbly|loose|squeaky|squeaking|rusty)\b|"
        r"\b(?:won't|wont|doesn't|does not|isn't) (?:start|load|connect|pair|sync|stay on|"
        r"hold a charge|lock)\b|\bha (?:encogido|desteñido|destenido|roto|dejado de)\b|"
        r"\b(?:encolheu|desbotou|rasgou|descoseu|avariou|desligou-se|apagou-se)\b|"
        r"\b(?:a (?:retreci|deteint|lache)|grincent|grince)\b",
    ),
]
#: Inside a clause that does not ask: something happened ("the strap snapped", "someone
#: scratched it", "it stopped halfway"); a customer tells a past event when it is theirs.
EVENT = register(
    "situation",
    r"\b(?:it|this|that|they|he|she|someone|somebody|something|the [a-z]+(?: [a-z]+)?)\s+"
    r"(?:(?:just|already|then|also|never|suddenly|completely|totally|only)\s+)?"
    r"(?:(?!(?:used|based|located|supposed|allowed|required|included|called|named|needed|"
    r"priced|rated|recommended|advertised|listed|scheduled|designed|made|closed|opened|"
    r"limited|reserved|booked|packed|served|baked|cooked|prepared|heated|sized)\b)"
    r"[a-z]{3,}ed|broke|fell|came|went|got|took|left|died|tore|ripped|shrank|snapped|burst|"
    r"bent|split|wore|stopped|ran|hit|bit|lost|stuck|sank|spilt|spilled|blew|froze|"
    r"disappeared)\b",
)
#: At the start of a clause that does not ask: a body part, a relative, their travel or
#: weight, a sentence with its first-person subject left out ("ankle swells up", "wife hurt
#: her wrist", "train gets in at 22:10", "can't bend the knee", "heading home early", "20
#: weeks now").
CLAUSE_START = register(
    "situation",
    r"\b(?:"
    rf"(?:(?:the|la|el|o|a|le|les|los|las|os|as|lo de la|lo del|lo de|left|right|lower|upper|"
    rf"new|bad)\s+)?(?:{BODY}|hamstrings?|calf|calves|quads?|glutes?|achilles|tendons?|ribs?|"
    rf"sinus|sinuses|bladder|bowels?|period)\s+(?:(?:really|still|just|also|always|now|again|"
    rf"very|so|all|a bit|kind of|sort of)\s+)?(?:{BODY_VERB}|{SYMPTOM_EN}|clicks|clicking|"
    r"swells|pops|popping|locks|cracks|twinges|tingles|tingling|throbs|feels|va|anda|sigue|"
    r"continua|fait)\b|"
    r"(?:(?:the|la|el|o|le)\s+)?(?:husband|wife|hubby|partner|boyfriend|girlfriend|fiance|"
    r"fiancee|mum|mom|mother|dad|father|son|daughter|grandma|grandpa|granny|gran|nan|brother|"
    r"sister|baby|toddler|missus|other half|dog|puppy|pup|cat|kitten|bunny|rabbit|perro|"
    r"perrita?|perrito|gato|gata|gatito|cao|cadela|cachorro|gatinho|chien|chienne|chiot|chat|"
    r"chaton)\s+(?:(?:just|also|still|really|has|had|is|was)\s+)?"
    r"(?:[a-z]{2,}ed|did|does|got|gets|has|had|is|was|keeps|can't|cant|won't|wont|doesn't|"
    r"didn't|needs|wants|loves|hates|broke|fell|hurt|took|made|went|came|tiene|tuvo|esta|"
    r"estaba|se|no|tem|teve|esta|estava|nao|a|avait|est|etait|ne|n'a|s'est)\b|"
    r"(?:flight|train|plane|ferry|bus|coach|vuelo|tren|voo|comboio|vol|avion)\s+"
    r"(?:(?:only|just|now|probably)\s+)?(?:gets in|lands|landed|arrives|arrived|leaves|left|"
    r"departs|is at|was|got|llega|sale|chega|sai|arrive|atterrit|part)\b|"
    r"(?:can't|cant|cannot|won't|wont|couldn't|couldnt|didn't|didnt|haven't|havent|"
    r"not going to|not gonna|never)\s+(?!(?:you|we|i|they|he|she|it|u|there|anyone)\b)[a-z]|"
    r"(?:(?:severely|very|highly|extremely|quite|really|super|deathly|seriously)\s+)?"
    r"(?:allergic|intolerant|sensitive) to\b|(?:alergic[oa]|intolerante) a\b|"
    r"allergique a\b|"
    r"heading (?:off|out|over|down|up|to|in|home|back|now)\b|leaving (?:early|late|at|on|"
    r"tomorrow|now|today|tonight|the)\b|(?:arriving|landing) (?:at|on|late|early|around|by|"
    r"tomorrow|tonight|today)\b|driving (?:down|up|over|in|from|back)\b|flying (?:in|out|"
    r"back|from|to)\b|limping\b|struggling (?:with|to|since)\b|"
    r"\d{1,2} (?:weeks|semanas|semaines) (?:now|along|today|pregnant|ya|ja|deja)\b|"
    r"\d{2,3}\s?(?:kg|kgs|kilos|lbs|pounds)(?=\s*(?:and|now|e|y|et|$))"
    r")",
)
