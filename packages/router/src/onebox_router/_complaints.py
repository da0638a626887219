"""A complaint about what the sender received, in any wording, in four languages.

Patterns for `_situation`, on casefolded text without accents. Told in the past ("was cold",
"llegó fría", "il manquait") a complaint stays one even inside a question; told in the
present ("still isn't working", "no funciona") it is skipped in a clause that opens as a
question ("do you fix phones that won't turn on?").
"""

from __future__ import annotations

from ._patterns import register

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
COMPLAINT_PAST = [
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
COMPLAINT_NOW = [
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
