"""The personal-content check: a sender's own situation, in four languages, fails closed.

Every pattern is also run on 100 KB adversarial inputs (the result is asserted here; how long
it takes is measured in bench/router.py, beside the former quadratic email pattern).
"""

from __future__ import annotations

import pytest
from onebox_router import cache_exclusion
from onebox_router.personal import MAX_CHECKED_CHARS, PATTERNS, personal_reasons
from onebox_router.testing import conversation

PERSONAL = {
    # contact details and numbers
    "write to me at joao.p+shop@mail.example.org": "email",
    "ring me 0044 20 7946 0958 after six": "phone",
    "status of purchase #88213?": "reference",
    "receipt number 55120, is it still valid?": "reference",
    "my code is QX7R2K9": "reference",
    "the visa ending 9921 was declined": "card",
    "send it to Rua Augusta 120, 3º esq": "address",
    "we're at 44 Mill Road, can the rider ring twice": "address",
    "what's the wifi password for quarto 12?": "room",
    # names and companies
    "hey, it's tomas from brightwave, quick question about a group lesson": "name",
    "Kenji here, do you still have the blue model?": "name",
    "buenas, soy marta de la oficina de abajo": "name",
    "olá, aqui é o Duarte, tudo bem?": "name",
    "bonjour, je m'appelle Léa et j'ai une question": "name",
    "I'm Priscilla, can you hold a table?": "name",
    "the booking is under the name of Okafor": "name",
    # body, health, age
    "I'm seven months pregnant, is the hot room ok?": "health",
    "had knee surgery in october, can I still do the class?": "health",
    "I weigh 112 kg, is there a weight limit on the bikes?": "health",
    "I'm 74 and a bit wobbly, is the gentle class ok?": "health",
    "estoy embarazada de cuatro meses": "health",
    "tenho 81 anos, posso participar?": "health",
    "j'ai une blessure à l'épaule, quel cours me conseillez-vous ?": "health",
    "my son has a nut allergy, which buns are safe?": "health",
    # their booking, order, stay
    "can you move my appointment to later?": "account",
    "we booked the twin for three nights and want to add one": "account",
    "I'm booked on the early tour, what should I bring": "account",
    "mi reserva es para dos, ¿puedo añadir una persona?": "account",
    "a minha encomenda ainda não chegou": "account",
    "je voudrais annuler ma commande": "account",
    # complaints about what they bought
    "the lamp arrived broken and the box was crushed": "complaint",
    "it never arrived and it's been two weeks": "complaint",
    "o pacote chegou estragado": "complaint",
    # their own dates and plans
    "we're landing at 23:40 on friday, is someone at the desk?": "own_dates",
    "llegamos el 14 de agosto por la noche": "own_dates",
    "my wedding is in may and we need flowers": "own_dates",
    # what happened to them, told in a first-person sentence, not asked
    "I had a tooth out on Monday and there's still a funny taste": "situation",
    "we've been waiting at the door for twenty minutes": "situation",
    "I was here last week for a cut and left my scarf behind": "situation",
    "I'm stuck at the airport, can someone hold the keys?": "situation",
    "tuve una extracción el lunes, ¿es normal este sabor?": "situation",
    "paguei a sessão mas não fui, dá para usar noutro dia?": "situation",
    "estou com o braço engessado, posso fazer a aula?": "situation",
    "j'ai eu une extraction hier, je peux manger ?": "situation",
    "je suis tombée dans l'escalier, je peux quand même venir ?": "situation",
    # their body: a symptom, a treatment of theirs, a body part in a bad state
    "it hurts when I bite down on the left side": "health",
    "my gum is swollen around the new crown": "health",
    "the stitches from my extraction came loose": "health",
    "is the class ok with my bad knee?": "health",
    "me duele la muela del juicio desde el sábado": "health",
    "dói-me o dente quando bebo coisas frias": "health",
    "a minha coroa descolou outra vez": "health",
    "j'ai mal au genou depuis la dernière séance": "health",
    # their family and pets
    "can my little girl join the Saturday class? she's shy": "family",
    "mi perro se pone nervioso con otros perros, ¿puede venir?": "family",
    "a minha mãe usa andarilho, há elevador?": "family",
    "mon fils a 8 ans, il peut venir seul ?": "family",
    # a complaint, however it is worded
    "the pizza turned up lukewarm and half the toppings were missing": "complaint",
    "the screen you replaced still isn't working properly": "complaint",
    "not what I ordered, I want my money back": "complaint",
    "la pizza llegó fría y faltaba la bebida": "complaint",
    "o arroz veio frio e faltava o molho": "complaint",
    "il manquait le dessert et le plat était froid": "complaint",
    # lateness, and a date said by someone speaking of themselves
    "running about 15 mins late, sorry!": "own_dates",
    "voy a llegar un poco tarde a la cita": "own_dates",
    "vou chegar atrasada uns 10 minutos": "own_dates",
    "je serai un peu en retard ce soir": "own_dates",
    "can we do the 14th instead of the 12th?": "own_dates",
    "nous arriverons vers minuit, la réception sera ouverte ?": "own_dates",
    # a name signing the message off, or a company
    "is the salon open on Monday? thanks, Marta": "name",
    "do you still have the blue jacket in medium?\nGrace": "name",
    "a encomenda chegou aberta. Ana Luísa Mendes": "name",
    "merci beaucoup - Julie": "name",
    "any tables left tonight? cheers, tom": "name",
    "obrigada pela ajuda 😊 Joana": "name",
    "please invoice Brightwave Ltd for the workshop": "name",
    "Thanks for the help! Rita M.": "name",
    "please ask for Mrs Okonkwo at the desk": "name",
    "Olá, fala o Tiago Ramos, queria saber o preço": "name",
    # what was done for them, what they need to do with their booking, where they live
    "you charged me for two lessons but there was only one": "account",
    "I need to cancel tomorrow's cleaning": "account",
    "tengo que anular la cita del jueves": "account",
    "je dois annuler pour demain": "account",
    "I live just behind the station, do you deliver there?": "account",
    "my boss will pay, can the invoice go to the company?": "account",
    "we're the ones who booked the family room for august": "situation",
}
NOT_PERSONAL = [
    "What time do you close on weekdays?",
    "Do you deliver on Sundays?",
    "Is there parking near the shop?",
    "how much is a 12-inch pizza?",
    "can I come by tomorrow morning or are you closed?",
    "do I need to bring my own helmet?",
    "is yoga good for preventing injuries?",
    "Do you have rooms with a sea view?",
    "is the studio wheelchair accessible?",
    "what's the price per night for 2 adults and 1 child in a family room?",
    "¿aceptáis tarjeta?",
    "vocês abrem ao domingo?",
    "est-ce que vous livrez le samedi ?",
    "Good Morning, are you open?",
    "hours of operation?",
    "do you have a 10-class pass, and does it expire?",
    "we're planning a team lunch for 12 people, budget 300€, what would you suggest?",
    # look-alikes: the same words asked about the business, supposed, or about someone else
    "does a filling hurt?",
    "is it normal for gums to bleed after a cleaning?",
    "what should I do if a crown falls out?",
    "how much to get my teeth cleaned?",
    "do you fix phones that won't turn on?",
    "what happens if I'm late?",
    "is late check-out possible on Sunday?",
    "if I cancel on the day, do I still pay?",
    "I'm looking for a present for a 10-year-old",
    "we're a group of 8, can we book the back room?",
    "I was wondering if you do gel nails",
    "I've heard you do great croissants, are they vegan?",
    "would you recommend a soft toothbrush for sensitive teeth?",
    "Hi, I'm new to yoga, which class should I start with?",
    "¿duele el blanqueamiento?",
    "¿qué pasa si llego tarde?",
    "¿tengo que reservar o puedo ir directamente?",
    "é normal sangrar depois de uma extração?",
    "se eu chegar atrasado, perco a vez?",
    "estou a pensar marcar uma limpeza, quanto custa?",
    "est-ce que ça fait mal, un détartrage ?",
    "est-ce qu'on est obligés de réserver ?",
    "vous faites des colorations sans ammoniaque ?",
    "Do you deliver on Saturday? Thanks",
    "thanks so much, see you soon!",
]


@pytest.mark.parametrize(("text", "reason"), PERSONAL.items())
def test_a_senders_own_situation_is_personal(text: str, reason: str) -> None:
    assert reason in personal_reasons(text)
    assert cache_exclusion(conversation(text)) is not None


@pytest.mark.parametrize("text", NOT_PERSONAL)
def test_general_questions_are_not_personal(text: str) -> None:
    assert personal_reasons(text) == []
    assert cache_exclusion(conversation(text)) is None


def test_a_message_too_long_to_be_a_faq_question_is_personal_without_looking() -> None:
    assert personal_reasons("what time do you open " * 400) == ["long_message"]
    assert personal_reasons("a" * (MAX_CHECKED_CHARS + 1)) == ["long_message"]


#: Runs that make a backtracking pattern try every start and every split: letters, digits,
#: digits with separators, hyphenated codes, at-signs, newlines, repeated pronouns and keywords.
ADVERSARIAL_UNITS = [
    "a", "1", "a1", "1 ", "1.", "1-1 ", "a-", "a@", "a.", "\n", " \t", "my ", "i ", "# ",
    "room ", "rua ", "ab12-", "it's ", "x@y", "+0", "é",
]  # fmt: skip


def _adversarial(unit: str, size: int) -> str:
    return unit * (size // len(unit))


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_every_pattern_answers_100_kb_adversarial_inputs(name: str) -> None:
    pattern = PATTERNS[name]
    for unit in ADVERSARIAL_UNITS:
        big = _adversarial(unit, 100_000)
        small = _adversarial(unit, 300)
        # Same shape, same answer: a repetition found in 300 characters is found in 100 KB.
        assert bool(pattern.search(big)) == bool(pattern.search(small)), (name, unit)


def test_emails_are_found_without_a_regular_expression() -> None:
    assert personal_reasons("x" * 3_000 + "@example.org") == ["email"]
    assert personal_reasons("a" * 3_900) == []
    assert personal_reasons("a@" * 1_900) == []


@pytest.mark.parametrize(
    "unit", [*ADVERSARIAL_UNITS, "i had ", "if i'm ", "my gum is ", ", ", "Thanks, Ana ", "ok. "]
)
def test_the_clause_checks_answer_at_the_length_cap(unit: str) -> None:
    # Each cue reads a bounded window around it: the longest text read answers like a short one.
    big = _adversarial(unit, MAX_CHECKED_CHARS)
    small = _adversarial(unit, 300)
    assert personal_reasons(big) == personal_reasons(small), unit


@pytest.mark.parametrize(
    ("told", "asked"),
    [
        ("I'm late, sorry", "what happens if I'm late?"),
        ("my phone won't charge", "do you fix phones that won't charge?"),
        ("the soup was cold", "is the gazpacho served cold?"),
        ("llego tarde", "¿qué pasa si llego tarde?"),
        ("I'm 6 months pregnant", "do you have classes for pregnant women?"),
    ],
)
def test_a_cue_supposed_or_asked_about_the_business_is_not_told(told: str, asked: str) -> None:
    assert personal_reasons(told)
    assert personal_reasons(asked) == []


#: A clause that tells something about its sender in any verb, in the four languages.
FIRST_PERSON_TOLD = [
    "I can only come in the evenings after work",
    "you were keeping a loaf of rye for me, I'll pass by at noon",
    "the strap rubs when I walk, is that normal?",
    "tengo la piel muy seca, qué crema me recomendáis?",
    "on a le studio pour deux nuits, on peut garder les vélos dedans ?",
    "eu trabalho por turnos, há aulas às 7 da manhã?",
    "je porte des lunettes, ça pose problème pour la plongée ?",
]
#: The first person inside a frame every customer uses to ask, or in a question.
FIRST_PERSON_ASKING = [
    "I'd like to know if you open on holidays",
    "we're 5 adults, do you have a big table?",
    "tell me the price of a haircut please",
    "I have a question about gift cards",
    "hi, I need to speak to someone about prices",
    "I'm looking for a waterproof jacket, what do you have",
    "we are new to the area, do you do trial classes?",
    "can we pay half now and half later?",
    "me gustaría saber el precio de la limpieza",
    "tenho uma dúvida sobre os horários",
    "je voudrais savoir si vous livrez le dimanche",
    "do you open mon-fri",
]


@pytest.mark.parametrize("text", FIRST_PERSON_TOLD)
def test_a_first_person_statement_is_personal_whatever_its_verb(text: str) -> None:
    assert "situation" in personal_reasons(text)


@pytest.mark.parametrize("text", FIRST_PERSON_ASKING)
def test_the_first_person_in_a_question_or_an_asking_frame_is_not(text: str) -> None:
    assert personal_reasons(text) == []


#: The sender left out of the words: a body part or a relative as the subject, their booking by
#: its day, a subject dropped, an event dated in the past, how long they have waited.
SENDER_LEFT_OUT = {
    "ankle swells up every evening, should I ice it?": "situation",
    "wife hurt her wrist at the gym, can she still do pilates?": "situation",
    "grandpa's hearing isn't great, is there a quiet table?": "family",
    "can't bend the knee fully since friday": "situation",
    "depuis hier le poignet est tout gonflé": "situation",
    "the massage on thursday at 3, could it be 4 instead?": "account",
    "la reserva para el viernes, se puede cambiar a las 8?": "account",
    "a marcação de amanhã, dá para passar para a tarde?": "account",
    "le rendez-vous de jeudi, on peut le décaler ?": "account",
    "picked it up two days ago and the zip already broke": "situation",
    "no puedo ir hoy a la clase, lo siento": "own_dates",
    "train gets in at 22:10, is reception still open?": "situation",
    "heading home early tomorrow, can we leave the bikes somewhere": "situation",
    "it's been three weeks and still no refund": "complaint",
    "the lamp arrived with a dent on the base": "complaint",
    "les chaussures sont arrivées avec une semelle décollée": "complaint",
    "since the update the screen flickers": "situation",
    "phone keeps restarting by itself": "complaint",
    "battery went flat after two hours": "complaint",
    "la sudadera ha encogido en la lavadora": "complaint",
    # a pet's state, money taken, their table
    "the dog has been scratching his ears all week": "situation",
    "cat is off her food since monday": "situation",
    "o cão tem pulgas outra vez": "situation",
    "le chat ne mange plus": "situation",
    "got charged for both nights": "account",
    "the refund still hasn't come through": "account",
    "is our table by the window?": "account",
    # asking after something of theirs, what their doctor or vet said, an event told
    "any update on the repair?": "account",
    "is it ready yet?": "account",
    "alguma novidade sobre a encomenda?": "account",
    "des nouvelles de la commande ?": "account",
    "the vet says she's a bit overweight, which food?": "health",
    "el médico me dijo que nadara, tenéis piscina?": "health",
    "le kiné a dit de faire du vélo, vous louez ?": "health",
    "the strap snapped after a week": "situation",
    "someone scratched the door in your car park": "situation",
    # their booking moved, where their thing is, money taken, a symptom that has lasted
    "can we push it to 8?": "account",
    "could you move us to the later slot": "account",
    "where's the refund?": "account",
    "¿dónde está el pedido?": "account",
    "30€ came out of the card twice": "account",
    "me han cobrado la fianza": "account",
    "payment still pending": "account",
    "Luna has been sneezing all week": "health",
    "o gato tem pulgas": "health",
    "elle a des puces": "health",
    # a payment refused or taken twice, an invoice read back, a part awaited for their thing
    "the card was declined at checkout, can I pay another way?": "account",
    "la tarjeta fue rechazada, ¿os hago una transferencia?": "account",
    "membership fee got taken twice in november": "account",
    "the bill says two coffees but we had one": "account",
    "did the filter for my espresso machine come in yet?": "account",
    "a encomenda para o meu portátil já chegou?": "account",
    # a visit moved by its day, nobody at home, someone needed there now, waking up ill
    "need to shift Tom's lesson to next friday": "own_dates",
    "could you come wednesday instead of tuesday?": "own_dates",
    "nobody's home before 6 so please ring first": "situation",
    "water everywhere under the sink, how soon can someone get here?": "situation",
    "woke up with a migraine, please cancel the 3pm": "health",
    "very allergic to latex so please use other gloves": "situation",
}
#: The same shapes in a question about the business, a supposition or an anonymous case.
SENDER_LEFT_OUT_LOOKALIKES = [
    "how long ago did you open the shop?",
    "can I book a table for 4 on friday?",
    "¿se puede reservar una mesa para el sábado?",
    "how much is a room for the weekend?",
    "is delivery on sunday free?",
    "what if the parcel arrives with damage?",
    "does the blender come with a spare jar?",
    "teeth whitening, how long does it last?",
    "walking distance from the station?",
    "a mother's day brunch, do you do one?",
    "can't I pay by card?",
    "dog friendly?",
    "do you treat dogs with fleas?",
    "is the deposit refundable?",
    "how does the repair work?",
    "the price included vat?",
    "is the bread baked daily",
    "where is the shop?",
    "is coughing normal after a cold?",
    "do you treat cats that keep sneezing?",
    "do you accept cards, or is it cash only?",
    "what happens if a card is declined?",
    "can lessons be moved to another day?",
    "is the salon nut-free for people allergic to nuts?",
    "What's the price for a Valentine's dinner?",
    "Hi! Where's the nearest parking?",
]


@pytest.mark.parametrize(("text", "reason"), SENDER_LEFT_OUT.items())
def test_a_situation_with_the_sender_left_out_is_personal(text: str, reason: str) -> None:
    assert reason in personal_reasons(text)


@pytest.mark.parametrize("text", SENDER_LEFT_OUT_LOOKALIKES)
def test_the_same_shapes_asked_about_the_business_are_not(text: str) -> None:
    assert personal_reasons(text) == []
