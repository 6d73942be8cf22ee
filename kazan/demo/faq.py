"""The demo café's FAQ: ten questions guests ask, each in English, German, Turkish, Italian and
Spanish with several phrasings, two synonym groups, and a few questions nobody answered yet
(logged and counted like a visitor's missed question). The FAQ answers are switched on in the
café's bot settings."""

from kazan.conversations.editor.services import bot_settings_update
from kazan.conversations.queries import bot_settings_get
from kazan.faq.queries import FaqMatch
from kazan.faq.services import faq_create, faq_question_record, synonym_create

# category, then per language: question, other phrasings, answer.
FAQS: list[tuple[str, dict[str, tuple[str, list[str], str]]]] = [
    (
        "Visit",
        {
            "en": (
                "What are your opening hours?",
                ["When are you open?", "What time do you open?", "Are you open on Sunday?"],
                "We are open **Monday to Saturday from 8:00 to 19:00** and on Sundays from "
                "9:00 to 17:00.",
            ),
            "de": (
                "Wann habt ihr geöffnet?",
                [
                    "Was sind eure Öffnungszeiten?",
                    "Habt ihr sonntags offen?",
                    "Ab wann seid ihr da?",
                ],
                "Wir haben **Montag bis Samstag von 8:00 bis 19:00 Uhr** und sonntags von 9:00 "
                "bis 17:00 Uhr geöffnet.",
            ),
            "tr": (
                "Çalışma saatleriniz nedir?",
                ["Saat kaçta açıksınız?", "Pazar günü açık mısınız?", "Ne zaman açılıyorsunuz?"],
                "**Pazartesiden cumartesiye 08:00–19:00**, pazar günleri 09:00–17:00 arası açığız.",
            ),
            "it": (
                "Quali sono i vostri orari di apertura?",
                ["Quando siete aperti?", "A che ora aprite?", "Siete aperti la domenica?"],
                "Siamo aperti **dal lunedì al sabato dalle 8:00 alle 19:00** e la domenica "
                "dalle 9:00 alle 17:00.",
            ),
            "es": (
                "¿Cuál es vuestro horario?",
                ["¿Cuándo abrís?", "¿A qué hora abrís?", "¿Abrís los domingos?"],
                "Abrimos **de lunes a sábado de 8:00 a 19:00** y los domingos de 9:00 a 17:00.",
            ),
        },
    ),
    (
        "Drinks",
        {
            "en": (
                "Do you have oat milk?",
                [
                    "Can I get oat milk in my coffee?",
                    "Do you have plant milk?",
                    "Is there soy milk?",
                ],
                "Yes! Oat, soy and almond milk at no extra charge.",
            ),
            "de": (
                "Habt ihr Hafermilch?",
                [
                    "Gibt es Pflanzenmilch?",
                    "Kann ich Hafermilch im Kaffee bekommen?",
                    "Habt ihr Sojamilch?",
                ],
                "Ja! Hafer-, Soja- und Mandelmilch ohne Aufpreis.",
            ),
            "tr": (
                "Yulaf sütünüz var mı?",
                ["Bitkisel süt var mı?", "Kahveme yulaf sütü alabilir miyim?", "Soya sütü var mı?"],
                "Evet! Yulaf, soya ve badem sütü ek ücret olmadan.",
            ),
            "it": (
                "Avete il latte d'avena?",
                [
                    "Avete latte vegetale?",
                    "Posso avere il caffè con latte d'avena?",
                    "C'è latte di soia?",
                ],
                "Sì! Latte d'avena, di soia e di mandorla senza sovrapprezzo.",
            ),
            "es": (
                "¿Tenéis leche de avena?",
                [
                    "¿Hay leche vegetal?",
                    "¿Puedo pedir el café con leche de avena?",
                    "¿Tenéis leche de soja?",
                ],
                "¡Sí! Leche de avena, soja y almendra sin coste adicional.",
            ),
        },
    ),
    (
        "Food",
        {
            "en": (
                "Do you have vegan options?",
                ["Is there vegan food?", "What can vegans eat here?", "Do you have vegan cake?"],
                "Yes: vegan banana bread, two vegan cakes every day and a vegan breakfast bowl.",
            ),
            "de": (
                "Habt ihr vegane Gerichte?",
                [
                    "Gibt es veganes Essen?",
                    "Was kann ich als Veganer essen?",
                    "Habt ihr veganen Kuchen?",
                ],
                "Ja: veganes Bananenbrot, jeden Tag zwei vegane Kuchen und eine vegane "
                "Frühstücksbowl.",
            ),
            "tr": (
                "Vegan seçenekleriniz var mı?",
                ["Vegan yemek var mı?", "Veganlar burada ne yiyebilir?", "Vegan pastanız var mı?"],
                "Evet: vegan muzlu kek, her gün iki vegan pasta ve vegan kahvaltı kasesi.",
            ),
            "it": (
                "Avete opzioni vegane?",
                ["C'è cibo vegano?", "Cosa può mangiare un vegano qui?", "Avete torte vegane?"],
                "Sì: banana bread vegano, due torte vegane ogni giorno e una bowl vegana per "
                "la colazione.",
            ),
            "es": (
                "¿Tenéis opciones veganas?",
                [
                    "¿Hay comida vegana?",
                    "¿Qué puede comer un vegano aquí?",
                    "¿Tenéis tarta vegana?",
                ],
                "Sí: pan de plátano vegano, dos tartas veganas cada día y un bol de desayuno "
                "vegano.",
            ),
        },
    ),
    (
        "Visit",
        {
            "en": (
                "Do you have wifi?",
                [
                    "Is there free wifi?",
                    "What is the wifi password?",
                    "Can I work on my laptop here?",
                ],
                "Yes, free wifi: the network is *DemoCafe*, the password is on your receipt.",
            ),
            "de": (
                "Habt ihr WLAN?",
                [
                    "Gibt es kostenloses WLAN?",
                    "Wie ist das WLAN-Passwort?",
                    "Kann ich hier am Laptop arbeiten?",
                ],
                "Ja, kostenloses WLAN: Das Netz heißt *DemoCafe*, das Passwort steht auf dem "
                "Kassenbon.",
            ),
            "tr": (
                "Wifi var mı?",
                [
                    "Ücretsiz internet var mı?",
                    "Wifi şifresi nedir?",
                    "Burada dizüstü bilgisayarla çalışabilir miyim?",
                ],
                "Evet, ücretsiz wifi: ağın adı *DemoCafe*, şifre fişinizde yazıyor.",
            ),
            "it": (
                "Avete il wifi?",
                [
                    "C'è il wifi gratuito?",
                    "Qual è la password del wifi?",
                    "Posso lavorare al portatile qui?",
                ],
                "Sì, wifi gratuito: la rete si chiama *DemoCafe*, la password è sullo scontrino.",
            ),
            "es": (
                "¿Tenéis wifi?",
                [
                    "¿Hay wifi gratis?",
                    "¿Cuál es la contraseña del wifi?",
                    "¿Puedo trabajar con el portátil aquí?",
                ],
                "Sí, wifi gratis: la red se llama *DemoCafe* y la contraseña está en el tique.",
            ),
        },
    ),
    (
        "Visit",
        {
            "en": (
                "Where can I park?",
                ["Is there parking nearby?", "Do you have a car park?", "Can I come by car?"],
                "There is no car park of our own; the public garage on Rosenthaler Straße is "
                "three minutes away. Bike racks are right at the door.",
            ),
            "de": (
                "Wo kann ich parken?",
                [
                    "Gibt es Parkplätze in der Nähe?",
                    "Habt ihr einen Parkplatz?",
                    "Kann ich mit dem Auto kommen?",
                ],
                "Einen eigenen Parkplatz haben wir nicht; das Parkhaus in der Rosenthaler "
                "Straße ist drei Minuten entfernt. Fahrradständer gibt es direkt vor der Tür.",
            ),
            "tr": (
                "Nereye park edebilirim?",
                ["Yakında otopark var mı?", "Otoparkınız var mı?", "Arabayla gelebilir miyim?"],
                "Kendi otoparkımız yok; Rosenthaler Straße'deki otopark üç dakika uzaklıkta. "
                "Bisiklet park yeri kapının hemen önünde.",
            ),
            "it": (
                "Dove posso parcheggiare?",
                ["C'è un parcheggio vicino?", "Avete un parcheggio?", "Posso venire in macchina?"],
                "Non abbiamo un parcheggio nostro; il garage pubblico in Rosenthaler Straße è "
                "a tre minuti. Le rastrelliere per bici sono davanti alla porta.",
            ),
            "es": (
                "¿Dónde puedo aparcar?",
                ["¿Hay aparcamiento cerca?", "¿Tenéis parking?", "¿Puedo ir en coche?"],
                "No tenemos aparcamiento propio; el garaje público de Rosenthaler Straße está "
                "a tres minutos. Hay aparcabicis justo en la puerta.",
            ),
        },
    ),
    (
        "Visit",
        {
            "en": (
                "Can I book a table?",
                [
                    "Do you take reservations?",
                    "How do I reserve a table?",
                    "Can I reserve for a group?",
                ],
                "We keep tables for groups of 6 or more: write to us here or call "
                "[030 1234567](tel:+49301234567).",
            ),
            "de": (
                "Kann ich einen Tisch reservieren?",
                [
                    "Nehmt ihr Reservierungen an?",
                    "Wie reserviere ich einen Tisch?",
                    "Kann ich für eine Gruppe reservieren?",
                ],
                "Für Gruppen ab 6 Personen halten wir Tische frei: Schreibt uns hier oder ruft "
                "an unter [030 1234567](tel:+49301234567).",
            ),
            "tr": (
                "Masa ayırtabilir miyim?",
                [
                    "Rezervasyon alıyor musunuz?",
                    "Nasıl masa ayırtırım?",
                    "Grup için rezervasyon yapabilir miyim?",
                ],
                "6 kişi ve üzeri gruplar için masa ayırıyoruz: bize buradan yazın ya da "
                "[030 1234567](tel:+49301234567) numarasını arayın.",
            ),
            "it": (
                "Posso prenotare un tavolo?",
                [
                    "Accettate prenotazioni?",
                    "Come prenoto un tavolo?",
                    "Posso prenotare per un gruppo?",
                ],
                "Teniamo tavoli per gruppi da 6 persone in su: scriveteci qui o chiamate il "
                "[030 1234567](tel:+49301234567).",
            ),
            "es": (
                "¿Puedo reservar una mesa?",
                [
                    "¿Aceptáis reservas?",
                    "¿Cómo reservo una mesa?",
                    "¿Puedo reservar para un grupo?",
                ],
                "Guardamos mesas para grupos de 6 o más: escribidnos aquí o llamad al "
                "[030 1234567](tel:+49301234567).",
            ),
        },
    ),
    (
        "Visit",
        {
            "en": (
                "Can I bring my dog?",
                ["Are dogs allowed?", "Is the café dog friendly?", "Can my dog come inside?"],
                "Dogs are welcome! We have water bowls and dog treats at the counter.",
            ),
            "de": (
                "Darf ich meinen Hund mitbringen?",
                [
                    "Sind Hunde erlaubt?",
                    "Ist das Café hundefreundlich?",
                    "Darf mein Hund mit rein?",
                ],
                "Hunde sind willkommen! Wassernäpfe und Hundekekse gibt es an der Theke.",
            ),
            "tr": (
                "Köpeğimi getirebilir miyim?",
                ["Köpekler girebilir mi?", "Kafe köpek dostu mu?", "Köpeğim içeri girebilir mi?"],
                "Köpekler hoş geldi! Tezgâhta su kapları ve köpek ödülleri var.",
            ),
            "it": (
                "Posso portare il mio cane?",
                ["I cani sono ammessi?", "Il caffè è dog friendly?", "Il mio cane può entrare?"],
                "I cani sono i benvenuti! Al banco ci sono ciotole d'acqua e biscotti per cani.",
            ),
            "es": (
                "¿Puedo llevar a mi perro?",
                ["¿Se admiten perros?", "¿La cafetería acepta perros?", "¿Puede entrar mi perro?"],
                "¡Los perros son bienvenidos! Tenemos cuencos de agua y premios en la barra.",
            ),
        },
    ),
    (
        "Payment",
        {
            "en": (
                "Can I pay by card?",
                ["Do you take credit cards?", "Can I pay contactless?", "Is it cash only?"],
                "Yes: all common debit and credit cards, Apple Pay and Google Pay. Cash is "
                "fine too.",
            ),
            "de": (
                "Kann ich mit Karte zahlen?",
                ["Nehmt ihr Kreditkarten?", "Kann ich kontaktlos bezahlen?", "Nur Barzahlung?"],
                "Ja: alle gängigen EC- und Kreditkarten, Apple Pay und Google Pay. Bar geht "
                "natürlich auch.",
            ),
            "tr": (
                "Kartla ödeyebilir miyim?",
                ["Kredi kartı geçiyor mu?", "Temassız ödeyebilir miyim?", "Sadece nakit mi?"],
                "Evet: tüm yaygın banka ve kredi kartları, Apple Pay ve Google Pay. Nakit de olur.",
            ),
            "it": (
                "Posso pagare con la carta?",
                ["Accettate carte di credito?", "Posso pagare contactless?", "Solo contanti?"],
                "Sì: tutte le principali carte di debito e di credito, Apple Pay e Google Pay. "
                "Vanno bene anche i contanti.",
            ),
            "es": (
                "¿Puedo pagar con tarjeta?",
                ["¿Aceptáis tarjetas de crédito?", "¿Puedo pagar sin contacto?", "¿Solo efectivo?"],
                "Sí: todas las tarjetas de débito y crédito habituales, Apple Pay y Google Pay. "
                "También en efectivo.",
            ),
        },
    ),
    (
        "Food",
        {
            "en": (
                "Do you have gluten-free food?",
                [
                    "Is there anything gluten free?",
                    "I have coeliac disease, what can I eat?",
                    "Do you have gluten-free cake?",
                ],
                "Our chocolate almond cake and the breakfast bowl are gluten-free. Our kitchen "
                "also bakes with wheat, so traces cannot be ruled out.",
            ),
            "de": (
                "Habt ihr glutenfreies Essen?",
                [
                    "Gibt es etwas Glutenfreies?",
                    "Ich habe Zöliakie, was kann ich essen?",
                    "Habt ihr glutenfreien Kuchen?",
                ],
                "Unser Schoko-Mandel-Kuchen und die Frühstücksbowl sind glutenfrei. In unserer "
                "Küche wird auch mit Weizen gebacken, Spuren sind daher nicht ausgeschlossen.",
            ),
            "tr": (
                "Glutensiz yiyecekleriniz var mı?",
                [
                    "Glutensiz bir şey var mı?",
                    "Çölyak hastasıyım, ne yiyebilirim?",
                    "Glutensiz pastanız var mı?",
                ],
                "Çikolatalı bademli kekimiz ve kahvaltı kasemiz glutensizdir. Mutfağımızda "
                "buğdayla da çalışıldığından eser miktarda gluten olabilir.",
            ),
            "it": (
                "Avete cibo senza glutine?",
                [
                    "C'è qualcosa senza glutine?",
                    "Sono celiaco, cosa posso mangiare?",
                    "Avete torte senza glutine?",
                ],
                "La torta cioccolato e mandorle e la bowl della colazione sono senza glutine. "
                "In cucina usiamo anche il frumento, quindi non si escludono tracce.",
            ),
            "es": (
                "¿Tenéis comida sin gluten?",
                [
                    "¿Hay algo sin gluten?",
                    "Soy celíaco, ¿qué puedo comer?",
                    "¿Tenéis tarta sin gluten?",
                ],
                "La tarta de chocolate y almendra y el bol de desayuno no llevan gluten. En "
                "la cocina también usamos trigo, así que puede haber trazas.",
            ),
        },
    ),
    (
        "Food",
        {
            "en": (
                "Can I get my order to take away?",
                ["Do you do takeaway?", "Can I order coffee to go?", "Do you have to-go cups?"],
                "Everything is available to take away. Bring your own cup and get 20 cents off.",
            ),
            "de": (
                "Kann ich etwas zum Mitnehmen bestellen?",
                [
                    "Gibt es Kaffee to go?",
                    "Kann ich zum Mitnehmen bestellen?",
                    "Habt ihr Mehrwegbecher?",
                ],
                "Alles gibt es auch zum Mitnehmen. Mit eigenem Becher sparst du 20 Cent.",
            ),
            "tr": (
                "Siparişimi paket alabilir miyim?",
                [
                    "Paket servis var mı?",
                    "Kahveyi götürmek üzere alabilir miyim?",
                    "Karton bardağınız var mı?",
                ],
                "Her şeyi paket alabilirsiniz. Kendi bardağınızı getirirseniz 20 sent indirim.",
            ),
            "it": (
                "Posso prendere da asporto?",
                [
                    "Fate asporto?",
                    "Posso avere il caffè da portare via?",
                    "Avete bicchieri da asporto?",
                ],
                "Tutto è disponibile da asporto. Con la tua tazza risparmi 20 centesimi.",
            ),
            "es": (
                "¿Puedo pedir para llevar?",
                [
                    "¿Tenéis comida para llevar?",
                    "¿Puedo pedir un café para llevar?",
                    "¿Tenéis vasos para llevar?",
                ],
                "Todo se puede pedir para llevar. Trae tu propia taza y te descontamos 20 "
                "céntimos.",
            ),
        },
    ),
]
SYNONYMS = [
    ["coffee with milk", "flat white", "latte", "cappuccino"],
    ["oat milk", "plant milk", "Hafermilch", "Pflanzenmilch"],
]
UNANSWERED = [
    ("en", "Do you sell gift cards?"),
    ("de", "Verkauft ihr Geschenkgutscheine?"),
    ("en", "do you sell gift cards"),
    ("it", "Fate torte di compleanno su ordinazione?"),
]


def faq_load(*, business, owner) -> None:
    """Fifty FAQs (ten in five languages), the synonyms, the FAQ answers switched on, and the
    unanswered questions the dashboard lists."""
    for category, translations in FAQS:
        for language, (question, alternatives, answer) in translations.items():
            faq_create(
                business=business,
                actor=owner,
                question=question,
                alternatives=alternatives,
                answer=answer,
                language=language,
                category=category,
            )
    for phrases in SYNONYMS:
        synonym_create(business=business, actor=owner, phrases=phrases)
    current = bot_settings_get(business=business)
    bot_settings_update(
        business=business,
        faq_fallback=True,
        agent_fallback=current.agent_fallback,
        misses_before_handoff=current.misses_before_handoff,
        actor=owner,
    )
    missed = FaqMatch(outcome="unanswered", confidence=0.0)
    for language, text in UNANSWERED:
        faq_question_record(
            business=business, text=text, language=language, channel="web", match=missed
        )
