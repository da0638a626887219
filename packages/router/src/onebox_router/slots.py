"""The details that change an answer (slots), and the words that mean the same (concepts).

Two questions may share a cached answer only when every *slot* agrees: the day (Saturday is
not Sunday; weekday is not weekend), the part of the day, today/tomorrow, the month, every
number and its order, the size, the payment method, the diet (vegan is not gluten-free), who
it is for (adult, child, student, senior, pet), the direction (check-in is not check-out,
pick-up is not drop-off, opening is not closing), the place (a country, the airport, the
station), the kind of thing (electric or not, single or double room), a negation, and what
is asked (a price, a duration, a time, a place, a quantity). The language is a slot too (set
by `onebox_router.paraphrase`): a reply is never reused across languages.

*Concepts* fold the everyday vocabulary of customer questions in English, Spanish, Portuguese
and French onto one token ("opening times", "horário", "do you work" -> ``@hours``), so that a
paraphrase shares tokens with the question it rephrases. Both tables are general customer-service
vocabulary for any small business; none is written for one business's messages.
"""

from __future__ import annotations

import re


def _split(words: str) -> frozenset[str]:
    """The whitespace-separated words of a table string."""
    return frozenset(words.split())


#: Multi-word phrases first (longest first), each replaced by one word of the tables below.
PHRASES: dict[str, str] = {
    # greetings and courtesy that would otherwise look like slots ("good morning")
    "good morning": " ", "good afternoon": " ", "good evening": " ", "bom dia": " ",
    "boa tarde": " ", "boa noite": " ", "buenos dias": " ", "buenas tardes": " ",
    "buenas noches": " ", "bonne journee": " ", "bonne soiree": " ", "have a nice day": " ",
    "thank you": " ", "muchas gracias": " ", "muito obrigado": " ", "muito obrigada": " ",
    "merci beaucoup": " ", "quick question": " ", "por favor": " ", "s'il vous plait": " ",
    "s'il te plait": " ",
    # diets
    "gluten free": "diet_gf", "gluten-free": "diet_gf", "without gluten": "diet_gf",
    "no gluten": "diet_gf", "sin gluten": "diet_gf", "sem gluten": "diet_gf",
    "sans gluten": "diet_gf", "coeliac friendly": "diet_gf", "celiac friendly": "diet_gf",
    "plant based": "diet_vegan", "plant-based": "diet_vegan", "no animal products": "diet_vegan",
    "without animal products": "diet_vegan", "dairy free": "diet_df", "dairy-free": "diet_df",
    "lactose free": "diet_lf", "lactose-free": "diet_lf", "sin lactosa": "diet_lf",
    "sem lactose": "diet_lf", "sans lactose": "diet_lf", "sugar free": "diet_sf",
    "sugar-free": "diet_sf", "sin azucar": "diet_sf", "sem acucar": "diet_sf",
    "sans sucre": "diet_sf", "nut free": "diet_nf", "nut-free": "diet_nf",
    # payment
    "notes and coins": "pay_cash", "in cash": "pay_cash", "cash on delivery": "pay_cash ship",
    "en efectivo": "pay_cash", "em dinheiro": "pay_cash", "en especes": "pay_cash",
    "credit card": "pay_card", "debit card": "pay_card", "bank card": "pay_card",
    "tarjeta de credito": "pay_card", "cartao de credito": "pay_card",
    "carte bancaire": "pay_card", "carte bleue": "pay_card", "bank transfer": "pay_transfer",
    "wire transfer": "pay_transfer", "mb way": "pay_mbway", "apple pay": "pay_mobile",
    "google pay": "pay_mobile",
    # directions and ends
    "check in": "dir_in", "check-in": "dir_in", "checking in": "dir_in",
    "check out": "dir_out", "check-out": "dir_out", "checking out": "dir_out",
    "pick up": "dir_pickup", "pick-up": "dir_pickup", "picking up": "dir_pickup",
    "drop off": "dir_dropoff", "drop-off": "dir_dropoff", "dropping off": "dir_dropoff",
    "before noon": "part_morning", "before lunch": "part_morning", "de manha": "part_morning",
    "por la manana": "part_morning", "de manana": "part_morning", "le matin": "part_morning",
    "in the morning": "part_morning", "a la tarde": "part_afternoon",
    "a tarde": "part_afternoon", "l'apres-midi": "part_afternoon",
    "apres-midi": "part_afternoon", "a noite": "part_evening", "le soir": "part_evening",
    # days
    "fin de semana": "day_weekend", "fim de semana": "day_weekend", "week-end": "day_weekend",
    "week end": "day_weekend", "entre semana": "day_weekday", "dias de semana": "day_weekday",
    "dia de semana": "day_weekday", "dias uteis": "day_weekday", "en semaine": "day_weekday",
    "week days": "day_weekday", "public holiday": "day_holiday", "bank holiday": "day_holiday",
    "jour ferie": "day_holiday",
    # who
    "over 65": "who_senior", "over 65s": "who_senior", "over sixty-five": "who_senior",
    "65+": "who_senior", "older people": "who_senior", "personnes agees": "who_senior",
    "terceira idade": "who_senior", "tercera edad": "who_senior",
    # places and kinds
    "train station": "place_station", "railway station": "place_station",
    "bus station": "place_busstation", "city centre": "place_centre",
    "city center": "place_centre", "e-bike": "kind_electric", "e bike": "kind_electric",
    "electric bike": "kind_electric", "bicicleta electrica": "kind_electric",
    "bicicleta eletrica": "kind_electric", "velo electrique": "kind_electric",
    # switches
    "turn on": "dir_on", "switch on": "dir_on", "turn it on": "dir_on",
    "switch it on": "dir_on", "turn them on": "dir_on", "turn off": "dir_off",
    "switch off": "dir_off", "turn it off": "dir_off", "switch it off": "dir_off",
    "turn them off": "dir_off",
    # what is asked
    "how much": "q_price", "how many": "q_count", "how long": "q_duration",
    "what time": "q_time", "how far": "q_distance", "how often": "q_frequency",
    "how old": "age", "how are you": " ", "how's it going": " ", "como estas": " ",
    "como esta": " ", "comment allez-vous": " ", "comment ca va": " ",
    "a que horas": "q_time", "a que hora": "q_time",
    "a quelle heure": "q_time", "cuanto cuesta": "q_price", "quanto custa": "q_price",
    "combien coute": "q_price", "in advance": "notice", "lead time": "notice",
    "how far in advance": "notice", "how far ahead": "notice", "how long in advance": "notice",
    "how much notice": "notice", "how much in advance": "notice",
    "far ahead": "notice", "con antelacion": "notice", "com antecedencia": "notice",
    "a l'avance": "notice", "how much time": "q_duration", "how to get": "directions",
    "get there": "directions", "get to you": "directions", "como llegar": "directions",
    "como chegar": "directions", "left luggage": "luggage", "luggage storage": "luggage",
    "leave our bags": "luggage", "leave my bags": "luggage", "store our bags": "luggage",
    "gift card": "gift", "gift cards": "gift", "gift certificate": "gift",
    "air conditioning": "aircon", "inner tube": "tube", "washing machine": "laundry",
    "car park": "parking", "take away": "takeaway", "to go": "takeaway",
    "para llevar": "takeaway", "a emporter": "takeaway", "ar condicionado": "aircon",
    "aire acondicionado": "aircon", "tune up": "repair", "tune-up": "repair", "to my door": "ship",
    "to the door": "ship", "at the door": "ship", "at my door": "ship", "to your door": "ship",
    "to our door": "ship", "drop-in": "single", "drop in": "single", "walk-in": "single",
    "one-off": "single", "one off": "single", "pay as you go": "single",
    "single visit": "single", "one class": "single class", "one session": "single class",
    "first time": "beginner", "first-timer": "beginner", "new to": "beginner",
    "never done": "beginner", "never tried": "beginner", "never practised": "beginner",
    "never practiced": "beginner", "never been": "beginner", "looking for": " ",
    # a person described ("for someone who has never...") is not a person asked for
    "someone who": " ", "somebody who": " ", "anyone who": " ", "anybody who": " ",
    "a person who": " ", "people who": " ",
    "real person": "human", "a person": "human", "a human": "human",
    "una persona": "human", "uma pessoa": "human", "quelqu'un": "human",
}  # fmt: skip

#: Single words -> a slot ("kind=value", must agree) or a concept ("@x", a shared token).
WORDS: dict[str, str] = {}


def _add(value: str, words: str) -> None:
    for word in words.split():
        WORDS[word] = value


# --- slots: days, parts of day, relative days, months ---------------------------------------
_add("day=mon", "monday mondays lunes segunda segunda-feira lundi")
_add("day=tue", "tuesday tuesdays tue tues martes terca terca-feira mardi")
_add("day=wed", "wednesday wednesdays wed miercoles quarta quarta-feira mercredi")
_add("day=thu", "thursday thursdays thu thur thurs jueves quinta quinta-feira jeudi")
_add("day=fri", "friday fridays fri viernes sexta sexta-feira vendredi")
_add("day=sat", "saturday saturdays sat sabado sabados samedi samedis")
_add("day=sun", "sunday sundays sun domingo domingos dimanche dimanches")
_add("day=weekend", "weekend weekends finde day_weekend")
_add("day=weekday", "weekday weekdays weeknight weeknights semaine day_weekday")
_add("day=holiday", "holiday holidays feriado feriados festivo festivos ferie day_holiday")
_add("part=morning", "morning mornings manha matin matinee part_morning")
_add("part=afternoon", "afternoon afternoons tarde apres-midi part_afternoon")
_add("part=evening", "evening evenings night nights noche noches noite noites soir soiree "
     "tonight part_evening")  # fmt: skip
_add("rel=today", "today hoy hoje aujourd'hui aujourd")
_add("rel=tomorrow", "tomorrow manana amanha demain")
_add("month=1", "january jan enero janeiro janvier")
_add("month=2", "february feb febrero fevereiro fevrier")
_add("month=3", "march marzo mars")
_add("month=4", "april apr abril avril")
_add("month=5", "mayo maio mai")
_add("month=6", "june jun junio junho juin")
_add("month=7", "july jul julio julho juillet")
_add("month=8", "august aug agosto aout")
_add("month=9", "september sep sept septiembre setembro septembre")
_add("month=10", "october oct octubre outubro octobre")
_add("month=11", "november nov noviembre novembro novembre")
_add("month=12", "december dec diciembre dezembro decembre christmas navidad natal noel")
# --- sizes, payment, diet, who, direction, place, kind --------------------------------------
_add("size=small", "small smaller smallest mini little tiny pequeno pequena pequenos "
     "petit petite petits")  # fmt: skip
_add("size=large", "big bigger biggest large larger largest huge grande grandes grand gros")
_add("size=medium", "medium mediano mediana medio media moyen moyenne")
_add("pay=cash", "cash efectivo dinheiro numerario especes liquide pay_cash")
_add("pay=card", "card cards contactless tarjeta tarjetas cartao cartoes carte cartes "
     "multibanco visa mastercard amex pay_card")  # fmt: skip
_add("pay=transfer", "transfer transferencia virement iban pay_transfer")
_add("pay=mbway", "mbway pay_mbway")
_add("pay=paypal", "paypal")
_add("pay=mobile", "pay_mobile")
_add("diet=vegan", "vegan vegans vegano vegana veganos veganas vegetalien vegetalienne "
     "diet_vegan")  # fmt: skip
_add("diet=vegetarian", "vegetarian vegetarians vegetariano vegetariana vegetarien vegetarienne")
_add("diet=gf", "gf coeliac coeliacs celiac celiacs celiaco celiaca diet_gf")
_add("diet=df", "diet_df")
_add("diet=lf", "diet_lf lactose")
_add("diet=sf", "diet_sf diabetic")
_add("diet=nf", "diet_nf nut nuts")
_add("diet=halal", "halal")
_add("diet=kosher", "kosher")
_add("who=adult", "adult adults adulto adultos adulte adultes grown-up grown-ups")
_add("who=child", "child children kid kids kiddo toddler toddlers infant nino ninos nina "
     "ninas crianca criancas enfant enfants miudos petits-enfants")  # fmt: skip
_add("who=baby", "baby babies bebe bebes")
_add("who=teen", "teen teens teenager teenagers adolescente adolescentes ado ados")
_add("who=student", "student students uni university college estudiante estudiantes "
     "estudante estudantes etudiant etudiants etudiante universitario")  # fmt: skip
_add("who=senior", "senior seniors elderly retired retiree retirees pensioner pensioners "
     "oap jubilado jubilados reformado reformados aposentado aposentados idoso idosos "
     "retraite retraites who_senior")  # fmt: skip
_add("who=pet", "pet pets mascota mascotas animal animals animais animaux")
_add("who=dog", "dog dogs puppy perro perros cao caes chien chiens")
_add("who=cat", "cat cats gato gatos chat chats")
_add("who=group", "group groups grupo grupos groupe groupes")
_add("who=couple", "couple couples pareja casal")
_add("dir=in", "dir_in arrival arrivals llegada chegada arrivee")
_add("dir=out", "dir_out departure departures salida partida depart")
_add("dir=pickup", "dir_pickup pickup collect collection recoger recolha recolher retirer")
_add("dir=dropoff", "dir_dropoff")
_add("dir=close", "close closes closing closed shut cerrar cierran cerrado fechar fecham "
     "fechado fermer fermez ferme fermeture")  # fmt: skip
_add("dir=early", "early earlier earliest temprano cedo tot")
_add("dir=late", "late later latest tarde tard")
_add("dir=first", "first primero primeiro premier premiere")
_add("dir=last", "last ultimo ultima dernier derniere")
_add("dir=on", "dir_on enable enabled activate activated")
_add("dir=off", "dir_off off disable disabled deactivate deactivated")
_add("dir=min", "minimum min minimo minima")
_add("dir=max", "maximum max maximo maxima")
_add("dir=return", "return returns returning devolver devolucion devolucao retour rembourser")
_add("dir=exchange", "exchange exchanges swap cambiar cambio trocar troca echanger echange")
_add("dir=cancel", "cancel cancels cancelling canceling cancellation cancelar cancelacion "
     "cancelamento annuler annulation")  # fmt: skip
_add("dir=refund", "refund refunds reembolso reembolsos remboursement")
_add("place=airport", "airport airports aeropuerto aeroporto aeroport")
_add("place=station", "station stations estacion estacao gare place_station")
_add("place=busstation", "place_busstation")
_add("place=centre", "place_centre downtown centro centre center baixa")
_add("place=beach", "beach beaches playa praia plage")
_add("kind=electric", "kind_electric ebike ebikes electric electrica eletrica electrique")
_add("@single", "single individual individuel suelta avulsa")
_add("kind=double", "double doble duplo")
_add("kind=twin", "twin twins")
_add("kind=triple", "triple triplo")
_add("kind=suite", "suite suites")
_add("kind=dorm", "dorm dorms dormitory dormitorio")
_add("kind=private", "private privado privada prive privee")
_add("kind=shared", "shared compartido compartilhado partage partagee")
_add("temp=hot", "hot warm heated quente caliente chaud")
_add("temp=cold", "iced cold fria frio froid")
_COUNTRIES = (
    "spain espana espanha espagne:spain portugal:portugal france francia franca:france "
    "germany alemania alemanha allemagne:germany italy italia italie:italy "
    "uk england britain inglaterra angleterre royaume-uni:uk ireland irlanda irlande:ireland "
    "netherlands holland holanda paises-bajos pays-bas:netherlands belgium belgica "
    "belgique:belgium switzerland suiza suica suisse:switzerland austria autriche:austria "
    "poland polonia pologne:poland sweden suecia suede:sweden norway noruega norvege:norway "
    "denmark dinamarca danemark:denmark finland finlandia finlandia:finland "
    "greece grecia grece:greece usa us america eeuu eua etats-unis:usa canada:canada "
    "brazil brasil bresil:brazil mexico:mexico luxembourg luxemburgo:luxembourg "
    "europe europa:europe eu ue:eu abroad overseas internationally international "
    "worldwide extranjero estrangeiro etranger:abroad "
    "madeira:madeira azores acores:azores islands ilhas islas iles:islands"
)
for _chunk in re.findall(r"([a-z\- ]+?):([a-z]+)", _COUNTRIES):
    for _word in _chunk[0].split():
        WORDS[_word] = f"place={_chunk[1]}"
# --- what is asked ---------------------------------------------------------------------------
_add("q=price", "q_price price prices pricing priced cost costs costing fee fees charge "
     "charges rate rates tariff expensive cheap cheaper cheapest afford precio precios cuesta "
     "cuestan tarifa tarifas preco precos custa custam caro barato prix coute coutent tarif "
     "tarifs cher free gratis gratuito gratuita gratuit gratuite extra")  # fmt: skip
_add("@duration", "q_duration duration")
_add("@notice", "notice advance antelacion antecedencia avance")
# "what time", "how many": the asking, not the topic ("what time are the Saturday classes?"
# asks what "are there Saturday classes?" asks). Soft tokens: never a difference on their own.
_add("~count", "q_count")
# "how do I book?" asks for a procedure; "do I need to book?" and "can I book?" do not.
_add("ask=how", "how como comment")
_add("@distance", "q_distance distance far")
_add("@frequency", "q_frequency often frequently")
_add("~time", "q_time")
# --- concepts: shared tokens for everyday vocabulary ------------------------------------------
_add("@hours", "open opens opening opened abrir abren abre abierto abrem aberto abertos "
     "ouvert ouverts ouvrez ouvre ouverture hours hour times schedule schedules timetable "
     "timetables horario horarios "
     "horaire horaires work working trabajan trabajais funcionam funcionan operate")  # fmt: skip
_add("@pay", "pay paying paid payment payments pagar pago pagos pagamento pagamentos pago "
     "payer paiement paiements settle")  # fmt: skip
_add("@ship", "delivery deliveries deliver delivering delivered ship shipping shipped "
     "shipment post courier driver drivers rider riders entrega entregas entregar envio "
     "envios enviar envia enviam entregam livraison livrer livrez livreur expedition "
     "expedier estafeta repartidor ship")  # fmt: skip
_add(
    "@discount",
    "discount discounts reduced reduction concession concessions deal deals "
    "offer offers descuento descuentos desconto descontos reduction remise promo promotion",
)
_add("@beginner", "beginner beginners newbie newbies novice novices starter starters "
     "principiante principiantes iniciante iniciantes debutant debutants debutante "
     "debutantes")  # fmt: skip
_add("@human", "human humans staff someone somebody agent representative operator "
     "humano humana humain")  # fmt: skip
_add("@class", "class classes lesson lessons session sessions clase clases aula aulas "
     "cours seance seances")  # fmt: skip
_add("@book", "book booking bookings reserve reservation reservations reservar reserva "
     "reservas reserver")  # fmt: skip
_add("@cake", "cake cakes tarta tartas bolo bolos gateau gateaux")
_add("@pastry", "pastry pastries pastelaria pasteles patisserie patisseries viennoiserie "
     "viennoiseries")  # fmt: skip
_add("@equip", "bring carry llevar traer levar trazer apporter amener provide provided "
     "supply supplied lend borrow available")  # fmt: skip
_add("@mat", "mat mats esterilla esterillas tapete tapetes tapis")
_add("@towel", "towel towels toalla toallas toalha toalhas serviette serviettes")
_add("@room", "room rooms habitacion habitaciones quarto quartos chambre chambres")
_add("@breakfast", "breakfast breakfasts desayuno pequeno-almoco petit-dejeuner")
_add("@parking", "parking park aparcamiento estacionamento estacionar aparcar garer")
_add("@repair", "repair repairs fix fixing fixed service servicing reparar reparacion "
     "reparacao arranjar reparer reparation")  # fmt: skip
_add("@rent", "rental rentals renting alquiler alquilar aluguer alugar location louer")
_add("@bike", "bike bikes bicycle bicycles bici bicis bicicleta bicicletas velo velos")
_add("@puncture", "puncture punctures flat pinchazo furo crevaison")
_add("@location", "where located location address find situated donde onde ou adresse "
     "direccion morada")  # fmt: skip
_add("@luggage", "luggage bags bag baggage suitcase suitcases equipaje bagagem bagages")
_add("@transfer", "transfer transfers shuttle lift traslado transporte navette")
_add("@wifi", "wifi wi-fi internet")
_add("@accessible", "accessible accessibility wheelchair step-free elevator accesible "
     "acessivel acessibilidade ascensor elevador ascenseur")  # fmt: skip
_add("@insurance", "insurance insured seguro seguros assurance")
_add("@deposit", "deposit deposits fianza caucao caution")
_add("@warranty", "warranty warranties guarantee guaranteed garantia garantie")
_add("@gift", "gift gifts voucher vouchers giftcard giftcards vale vales cheque-cadeau regalo "
     "presente cadeau")  # fmt: skip
_add("@contact", "contact phone telephone call calling ring whatsapp telefono telefone "
     "llamar ligar appeler joindre")  # fmt: skip
_add("@directions", "directions direction route llegar chegar venir")
# Everyday synonyms of small businesses (shops, repairs, rentals, rooms, cafés, classes).
_add("@tyre", "tyre tyres tire tires neumatico neumaticos pneu pneus")
_add("@tube", "tube tubes innertube camara camaras chambre-a-air")
_add("@brakes", "brake brakes frenos freno travoes travao freins frein")
_add("@helmet", "helmet helmets casco cascos capacete capacetes casque casques")
_add("@lock", "lock locks padlock candado candados cadeado cadeados antivol")
_add("@aircon", "aircon air-conditioning a/c ac aire acondicionado climatisation climatizacion "
     "ar-condicionado")  # fmt: skip
_add("@heating", "heating heater heaters calefaccion aquecimento chauffage")
_add("@kitchen", "kitchen kitchenette cocina cozinha cuisine")
_add("@laundry", "laundry washing-machine lavanderia lavandaria laverie")
_add("@cot", "cot cots crib cribs cuna berco lit-bebe")
_add("@bed", "bed beds cama camas lit lits")
_add("@linen", "linen sheets bedding sabanas lencois draps")
_add("@menu", "menu menus carta cardapio")
_add("@takeaway", "takeaway take-away takeout to-go para-llevar emporter")
_add("@coffee", "coffee coffees espresso cappuccino latte")
_add("@bread", "bread breads loaf loaves pan pao pain")
_add("@lunch", "lunch lunches almuerzo almoco dejeuner")
_add("@dinner", "dinner dinners cena jantar diner")
_add("@appointment", "appointment appointments slot slots cita citas marcacao rendez-vous")
_add("@membership", "membership memberships subscription subscriptions abono mensualidad "
     "mensalidade abonnement")  # fmt: skip
_add("@pass", "pass passes pack packs bono bonos carnet carte-de-10")
_add("@order", "order orders ordering encargar encomendar encomenda commander commande pedido")
#: Words that carry no topic: greetings, pronouns, auxiliaries, fillers (all four languages).
GENERIC = _split(
    "a an the and or but so if of to in at by for from with about as into than then this that "
    "these those there here is are was were be been being am do does did doing done have has "
    "had having can could would will shall should may might must i me my mine myself you your "
    "yours u ur r we us our ours it its they them their he she his her what when where which "
    "who whom whose why how just also too very really please pls plz kindly hi hello hey hiya "
    "yo dear thanks thank thx ty cheers ok okay sir madam team guys tell know want wanted "
    "wondering wonder like get got let any some anyone someone question quick ask asking "
    "possible need needed one on off up out still anything something there's whats what's hey "
    "morning there's is it's im i'm i'd you're we're youre don't dont doesn't do you're guy "
    "folks ola oi hola bonjour salut buenas boas allo alo tudo bem hay ha ai il y a est es eh e "
    "o os as um uma uns umas un una unos unas le la les des du de del da do das dos y et ou o "
    "que qui quoi quel quelle quels quelles qual quais cual cuales como comment para por pour "
    "en no nao non sim si oui vous tu nous je j me te se lo los las lhe nos voces vos usted "
    "ustedes podem podemos puedo puedes puede pueden posso pode peut peux pouvez est-ce faut-il "
    "faut il hacer fazer faire ser estar etre avoir tener ter tem tienen tiene temos tenemos "
    "avez avons ter sont son sao esta estan estao again ever at all whether usually normally "
    "generally typically exactly actually maybe right now currently also too else other own "
    "real whole some kind sort type bit lot lots way ways thing things stuff option options "
    "choice choices go going come coming visit stop drop grab buy buying get make made use "
    "using used do able allowed ok fine good great nice happy glad look looking looked wanted "
    "arrive arrives arriving people person persons guys folks total complete totally completely "
    "roughly around approximately approx per each alright super pretty quite time times able "
    "suitable suited ok suit sir shop store studio cafe caffe bakery place guesthouse hotel "
    "hostel business venue take takes tienda loja boutique estudio estudo"
)
#: Ways of asking, never the topic ("can I talk to a person?", "do you accept cash?").
GENERIC |= _split(
    "talk speak chat hablar falar parler accept accepts accepted aceptan aceptais aceitam acceptez"
)
NEGATIONS = _split(
    "not no non never without none nothing nor cannot can't won't nunca jamas jamais sin sem sans "
    "ni nem pas rien aucun ninguno nenhum nada"
)
NUMBER_WORDS: dict[str, str] = {}
for _lang_numbers in (
    "zero one two three four five six seven eight nine ten eleven twelve",
    "cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce",
    "zero um dois tres quatro cinco seis sete oito nove dez onze doze",
    "zero un deux trois quatre cinq six sept huit neuf dix onze douze",
):
    for _value, _word in enumerate(_lang_numbers.split()):
        NUMBER_WORDS.setdefault(_word, str(_value))
NUMBER_WORDS.update(
    {"twenty": "20", "thirty": "30", "forty": "40", "fifty": "50", "hundred": "100",
     "veinte": "20", "treinta": "30", "vinte": "20", "trinta": "30", "vingt": "20",
     "trente": "30", "cien": "100", "cem": "100", "cent": "100", "uma": "1", "una": "1",
     "dozen": "12", "half": "0.5", "twice": "2x", "thrice": "3x"}
)  # fmt: skip
# Articles that double as "one" mean an article far more often than a number.
for _article in ("un", "uno", "una", "um", "uma", "one", "dos", "once"):
    NUMBER_WORDS.pop(_article, None)
