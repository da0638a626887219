"""The classifier: cheap, explained, tunable."""

from __future__ import annotations

import pytest
from onebox_router import Classifier
from onebox_router.testing import conversation

SIMPLE = ["What are your opening hours?", "Do you ship to Spain?", "hi", "Gift cards?"]
COMPLEX = [
    "Should I buy the monstera or the fig for a dark office, and why? Which is cheaper to keep?",
    "If I order 3 pots at 12 each and 2 plants at 25, how much will I pay with the 10% discount?",
    "Can you explain step by step how to repot an orchid and compare bark versus moss?",
    "My cat ate a leaf and has symptoms, is it an emergency?",
]  # fmt: skip


@pytest.mark.parametrize("text", SIMPLE)
def test_short_faq_questions_are_simple(text: str) -> None:
    result = Classifier().classify(conversation(text))
    assert result.label == "simple"
    assert result.score < 0.5


@pytest.mark.parametrize("text", COMPLEX)
def test_reasoning_arithmetic_and_sensitive_messages_are_complex(text: str) -> None:
    result = Classifier().classify(conversation(text))
    assert result.label == "complex"
    assert result.reasons, "a complex verdict names its reasons"


def test_threshold_is_tunable_and_reasons_explain_the_score() -> None:
    text = "Which is better for a balcony, and why?"
    result = Classifier(threshold=5.0).classify(conversation(text))
    assert result.label == "simple"
    assert result.score == pytest.approx(sum(weight for _, weight in result.reasons))
    assert "reasoning" in dict(result.reasons)
    assert Classifier(threshold=0.1).classify(conversation(text)).label == "complex"


MULTILINGUAL_COMPLEX = [
    "We're 12 for a team lunch on the terrace, budget 250 euros: what menu would you suggest?",
    "somos 6, ¿qué tour nos recomiendas para un día de lluvia y cuánto sale en total?",
    "quero comparar a mensalidade com o pack de 10 entradas para ir duas vezes por semana",
    "quel forfait me conseillez-vous pour trois séances par semaine pendant deux mois ?",
    "I sprained my ankle last month, is it ok for me to do the climbing session?",
]
MULTILINGUAL_SIMPLE = [
    "do you have parking?",
    "¿a qué hora abren los sábados?",
    "vocês aceitam cartão?",
    "est-ce que le petit-déjeuner est inclus ?",
    "is it ok to bring a friend to watch?",
]


@pytest.mark.parametrize("text", MULTILINGUAL_COMPLEX)
def test_planning_comparison_and_judgement_are_complex_in_four_languages(text: str) -> None:
    result = Classifier().classify(conversation(text))
    assert result.label == "complex", result.explanation


@pytest.mark.parametrize("text", MULTILINGUAL_SIMPLE)
def test_faq_questions_are_simple_in_four_languages(text: str) -> None:
    result = Classifier().classify(conversation(text))
    assert result.label == "simple", result.explanation


def test_the_explanation_names_each_feature_and_the_verdict() -> None:
    result = Classifier().classify(conversation("Which plan is better for me, and why?"))
    assert result.explanation.startswith("complex ")
    assert "reasoning" in result.explanation
    assert Classifier().classify(conversation("hi")).explanation == "simple 0"


#: FAQ questions that carry a judgement word ("should", "best", "recommend") but no case of the
#: sender's and no options to weigh: one answer fits everyone, so the small model gives it.
JUDGEMENT_WORDS_IN_FAQ_QUESTIONS = [
    "what should I bring?",
    "how long does a cleaning take?",
    "do you do gluten free?",
    "should I bring my own towel?",
    "do you have towels or should I bring one?",
    "should I bring my own mat or do you lend them?",
    "what should I wear to my first class?",
    "is it better to book in advance?",
    "do you recommend booking ahead at weekends?",
    "what's the best way to reach you?",
    "which classes are good for beginners?",
    "can I pay by card or cash?",
    "is breakfast included or extra?",
    "what can I do in the area on a rainy day?",
    "is the course suitable for beginners or only for advanced students?",
    "any chance you're open on sunday?",
    "is it worth booking ahead at weekends?",
    "do you have lockers? should I bring a padlock?",
    "I'm coming from the airport, which bus should I take?",
    "I have a booking on Friday for 2 people, can I move it to Saturday or Sunday?",
    "what's the difference in price between a dorm and a private room?",
    "no sé si abrís el domingo, ¿me lo confirmáis?",
    "quel est le meilleur moyen de venir depuis la gare ?",
    "Bonjour, je suis à l'hôtel, c'est possible de livrer ou je dois venir ?",
    "¿qué debo llevar a la primera clase?",
    "¿aceptáis tarjeta o solo efectivo?",
    "devo levar toalha ou vocês têm?",
    "quanto tempo demora uma limpeza?",
    "est-ce que je dois apporter mon tapis ?",
    "où est-ce que je peux me garer ?",
]


@pytest.mark.parametrize("text", JUDGEMENT_WORDS_IN_FAQ_QUESTIONS)
def test_a_judgement_word_alone_leaves_an_faq_question_simple(text: str) -> None:
    result = Classifier().classify(conversation(text))
    assert result.label == "simple", result.explanation


#: (message, the feature that makes the judgement the business's to make)
JUDGEMENTS = [
    ("should I get the ceramic crown or the metal one?", "choice"),
    ("implant or bridge for a missing back tooth, which would you recommend?", "choice"),
    ("fade or a longer crop for thin hair, what would you go for?", "choice"),
    ("would you fix my laptop's hinge or is it smarter to replace the whole screen?", "choice"),
    ("is the 10-class pack or the monthly pass cheaper?", "choice"),
    ("we're 8, is it cheaper to book two 4-bed dorms or the 8-bed room?", "choice"),
    ("¿me conviene arreglar la pantalla o comprar un móvil nuevo?", "choice"),
    ("j'hésite entre la couleur et les mèches, qu'est-ce qui abîme le moins ?", "choice"),
    ("I've got a 2015 macbook that keeps shutting down, repair or upgrade?", "choice"),
    ("pour un trajet de 12 km par jour, vélo électrique ou classique ?", "case_details"),
    ("is it worth repairing a 4 year old phone with a cracked back?", "worth_it"),
    ("¿merece la pena arreglar la batería de un móvil de 5 años?", "worth_it"),
    ("which laptop would you recommend for video editing under 1000 euros?", "budget"),
    ("my bike chain keeps slipping even after you replaced it, what's going on?", "own_case"),
    ("I get migraines with strong smells, is the hot room a bad idea for me?", "own_case"),
    ("vale a pena trocar a bateria ou é melhor comprar um telemóvel novo?", "choice"),
    ("vaut-il mieux réparer mon ordinateur ou en acheter un nouveau ?", "choice"),
    ("I have very curly hair that frizzes a lot, what do you recommend?", "own_case"),
    ("my gums bleed when I floss, should I be worried?", "own_case"),
    ("my crown came off last night and I'm flying on Friday, what can I do?", "own_case"),
    ("I've had a clicking jaw for months and now headaches too, is it serious?", "own_case"),
    ("tengo los dientes muy sensibles, ¿qué blanqueamiento me recomiendas?", "own_case"),
    ("o meu telemóvel caiu na água ontem e não carrega, o que posso fazer?", "own_case"),
    ("j'ai les cheveux très fins, quelle coupe me conseillez-vous ?", "own_case"),
    ("what would you recommend for someone who has never done pilates?", "advice_for_a_case"),
    ("which room is best for a family with a baby and a big dog?", "advice_for_a_case"),
    ("¿qué nos recomiendas para alguien que nunca ha montado en bici?", "advice_for_a_case"),
    ("what haircut would suit a round face and thinning hair?", "advice_for_a_case"),
    ("¿qué corte me queda mejor con la cara redonda?", "advice_for_a_case"),
    ("can you help me plan a surprise party for my wife?", "plan_help"),
    ("could you help us choose between the two apartments?", "plan_help"),
    ("¿me ayudas a elegir un regalo para mi padre?", "plan_help"),
    ("podem ajudar-me a escolher entre o quarto privado e o dormitório?", "plan_help"),
    ("pouvez-vous m'aider à choisir entre les deux formules ?", "plan_help"),
    ("we need a cake for 25 guests, max 80€, no nuts and half of it vegan - ideas?", "constraints"),
    ("somos 4, 3 noches, sin coche y 300 euros en total, ¿qué opción nos sirve?", "constraints"),
]


@pytest.mark.parametrize(("text", "feature"), JUDGEMENTS)
def test_a_judgement_on_options_or_on_the_senders_case_is_complex(text: str, feature: str) -> None:
    result = Classifier().classify(conversation(text))
    assert result.label == "complex", result.explanation
    assert feature in dict(result.reasons), result.explanation


def test_a_long_account_of_the_senders_situation_is_complex_and_a_long_request_is_not() -> None:
    story = (
        "We've been here since Tuesday, we are leaving on Sunday and we have one free day left"
        " with two teenagers who get bored easily, what do people usually do around here?"
    )
    request = (
        "Hi, I'm Ana, I'm staying with my husband in room 12 since Monday and our shower is not"
        " draining properly, could someone have a look today please?"
    )
    verdict = Classifier().classify(conversation(story))
    assert verdict.label == "complex", verdict.explanation
    assert "own_story" in dict(verdict.reasons)
    assert Classifier().classify(conversation(request)).label == "simple"


def test_a_booking_or_a_measurement_is_not_a_situation_to_judge() -> None:
    for text in [
        "I have an appointment on Tuesday, should I bring my x-rays?",
        "I'm 1.63 m, which frame size should I rent?",
        "j'ai réservé pour samedi, est-ce que je dois apporter une serviette ?",
    ]:
        result = Classifier().classify(conversation(text))
        assert "own_case" not in dict(result.reasons), result.explanation


def test_my_first_visit_is_not_a_first_step() -> None:
    assert "multi_step" not in dict(Classifier().classify(conversation("my first class?")).reasons)
    steps = Classifier().classify(conversation("what do I sand first?"))
    assert "multi_step" in dict(steps.reasons)


def test_accents_are_folded_before_the_patterns_read_the_text() -> None:
    with_accents = Classifier().classify(conversation("¿Qué me recomiendas para mí?"))
    without = Classifier().classify(conversation("que me recomiendas para mi?"))
    assert with_accents.reasons == without.reasons
    assert "reasoning" in dict(with_accents.reasons)


#: (message, a feature it must show): the general shapes of a complex request, in four
#: languages and for businesses the rules were not written on.
SHAPES = [
    ("What would you suggest for a first weekend in the Douro with a toddler?", "asks_advice"),
    ("Which tent works best for two people who hike in heavy rain?", "asks_advice"),
    ("¿Qué nos sugieres para una despedida de 10 amigas en la costa?", "asks_advice"),
    ("O que me aconselham para uma lua de mel de dez dias nos Açores?", "asks_advice"),
    ("Le menu dégustation ou la carte pour un dîner d'affaires, qu'est-ce que vous recommandez ?",
     "asks_advice"),
    ("we have 3 kids under 6 and want a quiet week in April, where would you send us?",
     "asks_advice"),
    ("Why does my sourdough come out flat even though I follow your recipe?", "why_case"),
    ("¿Por qué se me caen las hojas del ficus que compré la semana pasada?", "why_case"),
    ("Pourquoi ma machine à café fait-elle toujours du bruit depuis la réparation ?", "why_case"),
    ("What's the difference between the standard and the deluxe cabin for a couple?",
     "comparison"),
    ("¿Qué diferencia hay entre el tinte permanente y el semipermanente para canas?",
     "comparison"),
    ("How do your two hearing aids differ for someone who eats out a lot?", "comparison"),
    ("Quelle formule choisir pour un débutant qui veut progresser vite ?", "for_level"),
    ("Que curso recomendam para o meu nível? Estudei inglês três anos.", "for_level"),
    ("I'm deciding between the weekend workshop and the 6-week evening course. Thoughts?",
     "dilemma"),
    ("Je n'arrive pas à choisir entre le canapé en cuir et celui en tissu, lequel tient mieux ?",
     "dilemma"),
    ("Como é que escolho entre o plano familiar e o individual?", "dilemma"),
    ("Não sei se o passe anual ou o mensal fica mais barato, viajo muito.", "dilemma"),
    ("Quel vélo pour aller au travail tous les jours, 12 km avec des côtes ?", "selection"),
    ("Is it safe to take my 8-month-old puppy on a 10 km hike?", "case_details"),
    ("The brakes you replaced last month are squeaking again. Is that expected?", "own_case"),
    ("Ma fille de 6 ans est timide, vous pensez que la natation lui conviendrait mieux ?",
     "case_details"),
    ("El coche que arreglasteis la semana pasada vuelve a hacer ruido, ¿qué puede ser?",
     "own_case"),
    ("Which insurance covers me best if I mostly drive at night in the city?", "own_case"),
    ("Queremos celebrar los 50 de mi padre con 20 personas y 600 euros, ¿cómo lo montaríais?",
     "asks_advice"),
    ("Sedan or minivan for 5 people and 4 big suitcases on a road trip?", "case_details"),
    ("My dog is 11 and limps after walks. Should we bring him in or wait a few days?", "choice"),
    # options opening the message, then what they are for
    ("Kayak or paddleboard for a nervous swimmer?", "options_for_a_case"),
    ("gas or charcoal grill, small balcony?", "options_for_a_case"),
    ("Entre le menu midi et la carte, lequel conviendrait pour un déjeuner d'affaires ?",
     "options_for_a_case"),
    ("Tinta acrílica ou óleo para quem nunca pintou?", "options_for_a_case"),
    # a problem to diagnose
    ("Our bread keeps coming out dense, what are we doing wrong?", "troubleshooting"),
    ("the chain skips in the higher gears, what could be causing it?", "troubleshooting"),
    ("Mis plantas tienen manchas marrones, ¿qué puede estar causándolo?", "troubleshooting"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "feature"), SHAPES)
def test_the_general_shapes_of_a_complex_request_are_complex(text: str, feature: str) -> None:
    result = Classifier().classify(conversation(text))
    assert result.label == "complex", result.explanation
    assert feature in dict(result.reasons), result.explanation


#: FAQ questions worded near those shapes: one answer fits everyone.
NEAR_SHAPES_BUT_FAQ = [
    # a chatty message around one short question: its length is not the question's
    "Hello, hope you're all well! My sister recommended you and said the staff are really"
    " friendly, so I thought I'd ask here first before calling. What are your hours on holidays?",
    "Olá! Uma amiga falou muito bem de vocês e adorei as fotos do espaço no Instagram, parabéns."
    " Queria só saber se têm estacionamento perto.",
    "Bonjour, nous sommes passés l'été dernier et on a adoré l'accueil, merci encore ! Petite"
    " question : est-ce que le parking est gratuit pour les clients ?",
    # options that are ways to reach the business, or figures that are a fact to look up
    "Is it better to book online or by phone?",
    "¿Es mejor llamar o escribir por WhatsApp para reservar?",
    "Hi, I stayed with you last year and loved it, thanks for the cake. Is check-out at 11 or 12?",
    # the service called an emergency, an indirect question, tips on logistics
    "do you take emergency appointments on saturdays?",
    "Queria saber se abrem no feriado.",
    "¿Se puede pagar con tarjeta? ¿Cuánto cuesta el envío?",
    "Do you have any tips on parking nearby?",
    "Vous avez des conseils pour se garer près de chez vous ?",
    # a which-question about a fact, a why about the business's own hours
    "Which bus goes to your shop from the station?",
    "Why are you closed on Mondays?",
    "What's the fastest way to reach you?",
    "How can I pay for the course?",
    "¿Cómo puedo llegar desde la estación?",
    "Is it better to arrive 10 minutes early?",
    # options inside a question about the offer, options without a case, a chatty emoji
    "Do you sell red or white wine for cooking?",
    "cash or card?",
    "Can I come Saturday or Sunday for the fitting?",
    "hey! my friends and I found you on instagram 😍 how much is a day pass?",
]


@pytest.mark.parametrize("text", NEAR_SHAPES_BUT_FAQ)
def test_faq_questions_near_those_shapes_stay_simple(text: str) -> None:
    result = Classifier().classify(conversation(text))
    assert result.label == "simple", result.explanation


@pytest.mark.parametrize(
    "unit",
    ["a", "1 ", "my ", "i ", "o ", "or ", "which ", "? ", "é", "why my ", "what would you ",
     "how do a ", "a, ", "for a ", "como lo ", "could the a ", "is a ", "my a b "],
)  # fmt: skip
def test_long_repetitive_inputs_are_read_in_linear_time(unit: str) -> None:
    # A backtracking pattern would take minutes on 20 KB; the same shape gives the same reasons.
    big = Classifier().classify(conversation(unit * (20_000 // len(unit))))
    small = Classifier().classify(conversation(unit * (600 // len(unit))))
    assert big.reasons == small.reasons
