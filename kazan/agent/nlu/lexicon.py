"""Intent phrases per language (folded: lower case, no accents; "*" ends a word prefix). One
tuple per intent mixes it/en/es with de/tr where the words are cheap; a phrase is matched on
whole consecutive words, so "add" never fires inside "address"."""

HANDOFF = (
    "persona", "una persona", "humano", "operador", "agente", "hablar con alguien",
    "person", "a human", "human", "real person", "operator", "someone from your team",
    "talk to someone", "speak to someone", "customer service", "assistenza clienti",
    "operatore", "una persona vera", "parlare con qualcuno", "mitarbeiter", "mensch",
    "temsilci", "insan",
)  # fmt: skip
YES = (
    "si", "sii", "claro", "vale", "de acuerdo", "por supuesto", "adelante", "perfecto",
    "yes", "yeah", "yep", "sure", "ok", "okay", "of course", "please do", "go ahead",
    "certo", "va bene", "d accordo", "procedi", "perfetto", "esatto", "ja", "gerne", "evet",
    "tamam", "confirm*", "conferm*", "procede*", "proceed",
)  # fmt: skip
NO = (
    "no", "nope", "no gracias", "no thanks", "not now", "ahora no", "no grazie", "nein",
    "hayir", "prefiero ver otras", "otras opciones", "other options", "altre opzioni",
)  # fmt: skip
GREETING = (
    "hola", "buenos dias", "buenas tardes", "buenas noches", "buenas", "hello", "hi", "hey",
    "good morning", "good afternoon", "good evening", "ciao", "buongiorno", "buonasera", "salve",
    "hallo", "guten tag", "merhaba", "selam",
)  # fmt: skip
THANKS = (
    "gracias", "muchas gracias", "thanks", "thank you", "thx", "grazie", "mille grazie",
    "danke", "tesekkur*", "sagol",
)  # fmt: skip
GOODBYE = (
    "eso es todo", "nada mas", "adios", "hasta luego", "that s all", "thats all", "that is all",
    "bye", "goodbye", "nothing else", "e tutto", "niente altro", "arrivederci", "tschuss",
    "hosca kal", "gorusuruz",
)  # fmt: skip
ORDER_STATUS = (
    "a che punto", "como va mi pedido", "que pasa con mi pedido", "how s my order",
    "any news on my order",
    "estado de mi pedido", "estado del pedido", "donde esta mi pedido", "mi pedido",
    "seguimiento", "order status", "status of my order", "where is my order", "my order",
    "track*", "stato del mio ordine", "stato dell ordine", "dov e il mio ordine",
    "il mio ordine", "mio ordine", "bestellstatus", "meine bestellung", "siparisim",
)  # fmt: skip
ORDER_CREATE = (
    "hacer el pedido", "hacer pedido", "realizar el pedido", "realiza el pedido",
    "crear el pedido", "crea el pedido", "confirmar el pedido", "confirmo el pedido",
    "quiero pagar",
    "finalizar la compra", "tramitar", "place the order", "place my order", "place an order",
    "checkout", "check out", "i want to pay", "pay now", "complete the order",
    "confirm the order", "order it",
    "fare l ordine", "effettua l ordine", "conferma l ordine", "confermo l ordine", "ordina",
    "ordinare", "voglio pagare", "procedi con l ordine", "bestellen", "siparis ver*",
    "proceder con el pedido", "proceed with the order",
)  # fmt: skip
HOW_QUESTION = (
    "how", "can i", "could i", "como", "puedo", "podria", "come", "posso", "wie", "kann ich",
    "nasil", "what", "que", "cosa", "cual", "quale", "do you", "is it", "es posible",
)  # fmt: skip
STATUS_WORDS = ("status", "estado", "stato", "seguimiento", "tracking", "donde", "where",
                "dove", "durum*")  # fmt: skip
ORDER_WORDS = ("order", "pedido", "ordine", "bestellung", "siparis*", "compra")
WANT = (
    "need", "necesitaria", "mi serve", "mi servono", "me hace falta", "i would like", "quiero",
    "quisiera", "necesito", "i want", "i need", "i d like", "want", "vorrei",
        "voglio", "ich mochte", "istiyorum")  # fmt: skip
DELIVERY = ("entrega", "entregar*", "envio", "envios", "enviar", "llega", "deliver*", "ship*",
            "arriv*", "consegn*", "spedi*", "liefer*", "teslimat")  # fmt: skip
CATALOG_WORDS = ("productos", "producto", "products", "product", "prodotti", "prodotto",
                 "catalogo", "catalog", "catalogue", "produkte", "urun*", "regalo", "regalar",
                 "gift", "gifts", "regali", "present", "algo", "something", "qualcosa")  # fmt: skip
MY_DATA_VERBS = (
    "ver", "ve", "see", "view", "show", "download", "descargar", "borrar", "borra", "delete",
    "erase", "eliminar", "elimina", "cambiar", "cambia", "change", "update", "actualizar",
    "modificar", "corregir", "correct", "vedere", "scaricare", "cancellare", "cancella",
    "modificare", "cambiare", "correggere", "aggiornare", "andern", "loschen", "sehen",
)  # fmt: skip
MY_DATA_NOUNS = (
    "mis datos", "my data", "my personal data", "i miei dati", "meine daten", "mi direccion",
    "my address", "il mio indirizzo", "mi email", "my email", "mi correo", "mi cuenta",
    "my account", "il mio account", "verilerim",
)  # fmt: skip
CART_SHOW = (
    "carrito", "mi carrito", "ver el carrito", "cart", "my cart", "basket", "carrello",
    "il mio carrello", "warenkorb", "sepet*",
)  # fmt: skip
CART_ADD = (
    "mettimi", "mettine", "mettila", "mettilo", "mettici", "aggiungimi", "aggiungila", "aggiungilo",
    "aggiungine", "ponmelo", "ponmela", "ponle", "anadelo", "anadela", "agregalo", "agregala",
    "dame", "dammi", "give me", "can i get", "can i have", "i ll get", "mandami", "mandame",
    "anade", "anadir", "anademe", "agrega", "agregar", "agregame", "me llevo", "llevo",
    "quiero comprar", "quisiera", "me quedo con", "pon", "ponme", "compro", "add", "i ll take",
    "ill take", "i will take", "i want to buy", "i d like to buy", "i ll have", "buy",
    "put", "aggiungi", "aggiungere", "metti", "prendo", "compro", "vorrei comprare",
    "lo prendo", "la prendo", "hinzufugen", "nehme", "ekle",
)  # fmt: skip
CART_REMOVE = (
    "quitala", "quitalo", "quitalas", "quitalos", "sacala", "sacalo", "eliminala", "eliminalo",
    "borrala", "borralo", "toglilo", "toglila", "toglili", "rimuovilo", "rimuovila", "eliminalo",
    "take it out", "take off",
    "quita", "quitar", "quitame", "elimina", "eliminar", "borra", "saca", "remove", "delete",
    "take out", "drop", "rimuovi", "togli", "elimina", "cancella", "entfernen", "cikar",
)  # fmt: skip
CATEGORIES = (
    "vendete", "vendeis", "venden", "you sell", "do you sell", "tipo di prodotti",
    "tipi di prodotti", "tipos de productos", "kind of products", "what kind of", "que tipo de",
    "categorias", "categoria", "que venden", "que vendeis", "categories", "category",
    "what do you sell", "what do you have", "categorie", "cosa vendete", "kategorien",
    "kategori*", "secciones", "sections",
)  # fmt: skip
EVENTS = (
    "planes", "plan", "plans", "happening", "agenda", "programma", "programa", "whats on",
    "evento", "eventos", "event", "events", "evento", "eventi", "cata", "catas", "degustacion de",
    "tasting", "degustazione", "veranstaltung*", "etkinlik*", "what s on", "que hay",
)  # fmt: skip
SERVICES = ("servicio", "servicios", "service", "services", "servizio", "servizi",
            "ofrecen", "ofreceis", "offrite",
            "dienstleistung*", "hizmet*")  # fmt: skip
SEARCH = (
    "busco", "buscando", "estoy buscando", "quiero ver", "muestrame", "ensename", "teneis",
    "tienen", "tienes", "hay", "productos", "producto", "recomienda*", "sugiere*",
    "looking for", "look for", "show me", "do you have", "products", "product", "recommend*",
    "suggest*", "find", "cerco", "sto cercando", "mostrami", "avete", "prodotti", "prodotto",
    "consiglia*", "suche", "zeig", "produkte", "ariyorum", "urun*", "regalo", "regalar",
    "gift", "gifts", "present", "regali", "geschenk*", "hediye", "opciones", "options",
    "opzioni", "idea*",
)  # fmt: skip
GIFT = ("regalo", "regalar", "regalos", "gift", "gifts", "present", "regali", "regalare",
        "geschenk*", "hediye")  # fmt: skip
INFO_QUESTION = (
    "como", "que lleva", "que contiene", "ingrediente*", "contiene", "lleva", "utiliza*",
    "usar", "sirve", "how", "what is", "what s in", "ingredient*", "contain*", "use",
    "come", "cosa contiene", "ingredienti", "usare", "utilizzare", "wie", "zutaten", "nasil",
    "precio", "cuesta", "cuanto", "price", "cost*", "how much", "prezzo", "quanto costa",
    "disponible", "available", "stock", "disponibile", "detalles", "details", "dettagli",
    "informacion", "info*", "describe*", "tell me about", "dime", "parlami",
)  # fmt: skip
SHOW = ("show", "see", "fammi vedere", "fatemi vedere", "mi fate vedere", "fai vedere", "ensename",
        "ensenadme", "muestrame", "mostrami", "mostratemi", "vedere", "ver", "list")  # fmt: skip
SWEET = ("dulce", "dulces", "sweet", "sweets", "dolce", "dolci", "suss*", "tatli")
SAVOURY = ("salado", "salados", "savoury", "savory", "salty", "salato", "salati", "herzhaft",
           "tuzlu")  # fmt: skip
ASSORTMENT = ("surtido", "surtidos", "assortment", "assorted", "mix", "mixed", "both",
              "assortimento", "misto", "entrambi", "ambos", "de todo", "a bit of everything",
              "gemischt", "karisik")  # fmt: skip
# Clearly outside a shop: asked for, they are declined without searching the catalog.
OFF_TOPIC = (
    "tiempo hace", "weather", "meteo", "wetter", "chiste", "joke", "barzelletta", "poema",
    "poem", "poesia", "capital", "presidente", "president", "politica", "politics", "futbol",
    "football", "calcio", "receta de", "homework", "deberes", "compiti", "traduce", "translate",
    "traduci", "codigo", "code", "programa", "bitcoin", "bolsa", "stock market", "horoscopo",
    "horoscope", "oroscopo", "novia", "girlfriend", "fidanzata", "escribe", "write me",
    "pelicula", "movie", "film", "serie", "cancion", "song", "canzone", "noticias", "news",
    "notizie",
    "scrivi", "who are you", "quien eres", "chi sei", "chatgpt", "openai",
)  # fmt: skip
PRIVACY = (
    "seguro", "es seguro", "mis datos", "datos", "privacidad", "safe", "secure", "my data",
    "privacy", "data", "sicuro", "i miei dati", "dati", "datenschutz", "daten", "guvenli",
    "verilerim",
)  # fmt: skip
# Words that never name a product (function words and the intent words above).
_STOP_WORDS = """
a al algo algun alguna algunos and any como con de del desde e el en es esta este estoy
for i il in la las le lo los me mi mis my of on or para per por que quiero se sus the to
tu un una uno unos y you your di da della dei delle gli lo le un una vorrei io ich und
der die das mit fur bir ve bu si no me gustaria comprar want would like some typical
tipicos tipicas tipici sicilian siciliano sicilianos sicilianas siciliani siciliane
please por favor grazie gracias thanks hola hello ciao cuanto cuesta precio price much
how what que cosa please tengo have has puedo can could tienen tienes avete hay quale
cual cuales which entregarse entrega antes proximo alla allo agli alle della dello degli
delle nella nello nelle sulla sullo sulle dalla dallo dalle con col coi para pero esta
este estos estas esos esas hasta luego desde sobre entre with from that this these those
there their them they what when where will just also very muy molto tanto mucho more
than not got hiya"""
STOP = frozenset(_STOP_WORDS.split())
