"""The default engine, which needs no model (issue 12: "a business without an LLM still sells
through WhatsApp"): per-language intent phrases and slot parsers (kazan.agent.nlu) decide the
same tool calls an LLM would make, and kazan.agent.formatting turns the results into replies.
A small dialog state in the session (products shown, the product in focus, a pending
confirmation, the gift search under way) carries a conversation over turns."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, gettext_noop

from kazan.agent import formatting
from kazan.agent.engines.base import AgentOutcome, AgentTurn, ExecutedCall
from kazan.agent.nlu import lexicon as lx
from kazan.agent.nlu import semantic
from kazan.agent.nlu.intents import Reading, read
from kazan.agent.nlu.mentions import content_words, word_like
from kazan.agent.tools import ToolResult, tool_call

GIFT_QUESTIONS = gettext_noop(
    "I will gladly help you find a gift. To suggest the best options, could you tell me:\n"
    "1. Do you have a budget in mind?\n2. Do you prefer sweet, savoury or an assortment?\n"
    "3. Does the person have any food allergies or intolerances?"
)


class _Run:
    """One turn: the calls made and the replies built."""

    def __init__(self, turn: AgentTurn):
        self.turn = turn
        self.state = turn.state
        self.calls: list[ExecutedCall] = []
        self.replies: list[dict[str, Any]] = []

    def call(self, tool: str, /, **arguments: Any) -> ToolResult:
        arguments = {k: v for k, v in arguments.items() if v is not None and v != ""}
        result = tool_call(scope=self.turn.scope, name=tool, arguments=arguments)
        self.calls.append(ExecutedCall(tool, arguments, result))
        return result

    def say(self, message: str) -> None:
        self.replies.append(formatting.text(message))

    @property
    def channel(self) -> str:
        return self.turn.scope.channel


class LocalEngine:
    key = "local"

    def respond(self, turn: AgentTurn) -> AgentOutcome:
        run = _Run(turn)
        reading = read(
            turn.scope.business,
            _text_of(turn),
            today=turn.scope.business.today(),
            pending=str(turn.state.get("pending") or ""),
            focus=turn.state.get("focus"),
        )
        understood, handoff = _dispatch(run, reading)
        return AgentOutcome(run.replies, run.calls, handoff=handoff, understood=understood)


def _text_of(turn: AgentTurn) -> str:
    payload = turn.payload or {}
    choice = payload.get("choice")
    if isinstance(choice, str) and choice and not turn.text:
        return choice.replace("_", " ")
    return turn.text or ""


def _dispatch(run: _Run, r: Reading) -> tuple[bool, bool]:
    """Runs the reading's intent; returns (understood, handoff)."""
    if r.intent == "handoff":
        return _handoff(run)
    handler = _HANDLERS.get(r.intent)
    if handler is None:
        return _fallback(run, r)
    return handler(run, r), False


def _handoff(run: _Run) -> tuple[bool, bool]:
    run.state["pending"] = ""
    run.say(gettext("Of course. A person from our team will answer you here shortly."))
    return True, True


def _confirm(run: _Run, r: Reading) -> bool:
    pending = run.state.get("pending")
    run.state["pending"] = ""
    if pending == "order":
        return _order(run, r)
    if pending == "add" and run.state.get("focus"):
        r.product_id = int(run.state["focus"])
        return _add(run, r)
    return _help(run, r)


def _decline_pending(run: _Run, r: Reading) -> bool:
    run.state["pending"] = ""
    run.say(gettext("No problem. What else can I show you?"))
    return True


def _order(run: _Run, r: Reading) -> bool:
    run.state["pending"] = ""
    result = run.call("create_order")
    if not result.ok and "empty" in result.error_code and run.state.get("focus"):
        added = run.call(
            "add_to_cart", product_id=int(run.state["focus"]), quantity=r.quantity or 1
        )
        if added.ok:
            result = run.call("create_order")
    if not result.ok:
        if "empty" in result.error_code:
            run.say(gettext("Your cart is empty. Tell me what you would like to buy."))
        elif "stock" in result.error_code:
            run.say(result.message or gettext("Sorry, something in your cart is out of stock."))
        else:
            run.say(gettext("Sorry, I could not create the order. Please try again."))
        return True
    run.replies.extend(
        formatting.order_replies(result.data["order"], result.data.get("payment_url", ""))
    )
    run.state["focus"] = None
    return True


def _offer_order() -> str:
    return gettext("Shall I place the order? I will create it and send you a secure payment link.")


def _add(run: _Run, r: Reading) -> bool:
    product_id = r.product_id or run.state.get("focus")
    if not product_id:
        run.say(gettext("Which product would you like to add? Tell me its name."))
        return True
    items = r.items or [(int(product_id), r.quantity or 1)]
    for item_id, count in items[:-1]:
        run.call("add_to_cart", product_id=item_id, quantity=count)
    product_id, count = items[-1]
    result = run.call("add_to_cart", product_id=int(product_id), quantity=count)
    if not result.ok:
        if "stock" in result.error_code:
            run.say(result.message or gettext("Sorry, that product is out of stock."))
        else:
            run.say(gettext("Sorry, I could not find that product."))
        return True
    run.state["focus"] = int(product_id)
    cart = result.data["cart"]
    added = next((line for line in cart["lines"] if line["product_id"] == int(product_id)), None)
    name = added["name"] if added else ""
    run.say(
        gettext("Excellent choice! I added %(name)s to your cart (total %(total)s).")
        % {"name": name, "total": cart["total"]}
    )
    if r.question:
        _answer_faq(run, r.question, quiet=True)
    run.state["pending"] = "order"
    run.say(_offer_order())
    return True


def _remove(run: _Run, r: Reading) -> bool:
    if not r.product_id and run.state.get("focus"):
        r.product_id = int(run.state["focus"])  # "remove it": the product just added
    if not r.product_id:
        cart = run.call("get_cart_info")
        if cart.ok:
            run.replies.extend(formatting.cart_replies(cart.data["cart"]))
        run.say(gettext("Which product should I take out?"))
        return True
    result = run.call("remove_from_cart", product_id=r.product_id, quantity=r.quantity)
    if not result.ok:
        run.say(gettext("That product is not in your cart."))
        return True
    run.say(gettext("Done, I took it out of your cart."))
    run.replies.extend(formatting.cart_replies(result.data["cart"]))
    return True


def _cart(run: _Run, r: Reading) -> bool:
    result = run.call("get_cart_info")
    if not result.ok:
        run.say(gettext("Your cart is empty."))
        return True
    cart = result.data["cart"]
    closing = "" if cart["empty"] else _offer_order()
    if closing:
        run.state["pending"] = "order"
    run.replies.extend(formatting.cart_replies(cart, closing=closing))
    return True


def _status(run: _Run, r: Reading) -> bool:
    result = run.call("get_order_status", order_number=r.number)
    if not result.ok:
        run.say(gettext("I found no order of yours with that number."))
        return True
    run.replies.extend(formatting.orders_status_replies(result.data["orders"]))
    return True


def _categories(run: _Run, r: Reading) -> bool:
    result = run.call("get_categories")
    names = [c["name"] for c in result.data.get("categories", []) if c.get("parent_id") is None]
    if not names:
        run.say(gettext("Our catalog is being prepared. Please come back soon."))
        return True
    run.say(gettext("We sell: %(list)s. What are you interested in?") % {"list": ", ".join(names)})
    return True


def _events(run: _Run, r: Reading) -> bool:
    if r.faq_first and _answer_faq(run, r.text):
        return True
    day = r.day or run.turn.scope.business.today()
    result = run.call("get_event_by_date", date=day.isoformat())
    events = result.data.get("events", []) if result.ok else []
    if not events:
        run.say(gettext("There are no events on that day."))
        return True
    _remember(run, events)
    run.replies.extend(
        formatting.products_replies(
            events, header=gettext("Our events on that day:"), channel=run.channel
        )
    )
    return True


def _service(run: _Run, r: Reading) -> bool:
    if not r.query:
        return _list_kind(run, "service", gettext("Our services:"))
    result = run.call("get_service_info", name=r.query)
    if not result.ok:
        return _list_kind(run, "service", gettext("Our services:"))
    service = result.data["service"]
    run.state["focus"] = service["id"]
    run.replies.extend(formatting.product_detail_replies(service))
    return True


def _list_kind(run: _Run, kind: str, header: str) -> bool:
    result = run.call("get_product_list", kind=kind, limit=10)
    products = result.data.get("products", []) if result.ok else []
    if not products:
        run.say(gettext("I found nothing for that. Could you describe it differently?"))
        return True
    _remember(run, products)
    run.replies.extend(formatting.products_replies(products, header=header, channel=run.channel))
    return True


def _info(run: _Run, r: Reading) -> bool:
    if r.faq_first and _answer_faq(run, r.text, ignore=r.faq_ignore):
        return True
    tool, arguments = _info_tool(run, r.product_id)
    result = run.call(tool, **arguments)
    if not result.ok:
        return _fallback(run, r)[0]
    product = result.data.get("product") or result.data["service"]
    liked = r.liked_id or run.state.get("focus")
    closing = ""
    if liked and int(liked) != product["id"]:
        liked_name = r.liked_name or ""
        if liked_name:
            closing = gettext(
                "Would you like to go ahead and buy %(name)s, or would you rather see other "
                "options?"
            ) % {"name": liked_name}
        run.state["focus"] = int(liked)
    else:
        closing = gettext("Would you like to add it to your cart?")
        run.state["focus"] = product["id"]
    run.state["pending"] = "add"
    run.replies.extend(formatting.product_detail_replies(product, closing=closing))
    return True


def _info_tool(run: _Run, product_id: int | None) -> tuple[str, dict[str, Any]]:
    """A service is described by get_service_info, anything else by get_product_info."""
    from kazan.commerce import queries as commerce_queries

    tool = "get_product_info"
    if product_id:
        found = commerce_queries.products_list(business=run.turn.scope.business, kind="service")
        if any(p.pk == product_id for p in found):
            tool = "get_service_info"
    return tool, {"product_id": product_id}


def _category(run: _Run, r: Reading) -> bool:
    result = run.call("get_products_by_category", category_id=r.category_id)
    products = result.data.get("products", []) if result.ok else []
    if not products:
        run.say(gettext("I found nothing for that. Could you describe it differently?"))
        return True
    _remember(run, products)
    run.replies.extend(
        formatting.products_replies(
            products,
            header=result.data["category"]["name"],
            channel=run.channel,
            closing=gettext("Which of these interests you most?"),
        )
    )
    return True


def _my_data(run: _Run, r: Reading) -> bool:
    """Personal data is never shown in the chat: a secure "my data" link (see, correct,
    download, erase) instead."""
    from kazan.links.services import secure_link_issue

    scope = run.turn.scope
    if scope.customer is None:
        return _help(run, r)
    url = secure_link_issue(
        business=scope.business, customer=scope.customer, purpose="my_data", channel=run.channel
    )
    run.say(
        gettext(
            "For your security your personal data is never shown in the chat. On this "
            "personal page (valid for one hour) you can see, correct, download or erase it:"
        )
    )
    run.replies.append(formatting.secure_link_reply(gettext("My data"), url))
    return True


def _remember(run: _Run, products: list[dict[str, Any]]) -> None:
    run.state["shown"] = [p["id"] for p in products][:10]


def _search(run: _Run, r: Reading) -> bool:
    state = run.state
    if r.gift and r.max_price is None and not r.preference and state.get("pending") != "gift":
        state["pending"] = "gift"
        state["query"] = r.query
        run.say(gettext(GIFT_QUESTIONS))
        return True
    if r.faq_first and _answer_faq(run, r.text):
        state["pending"] = ""
        return True
    query = r.query or (state.get("query") if state.get("pending") == "gift" else "") or ""
    state["pending"] = ""
    result = run.call(
        "get_product_list",
        query=query,
        max_price=str(r.max_price) if r.max_price is not None else None,
        min_price=str(r.min_price) if r.min_price is not None else None,
        preference=r.preference,
    )
    products = result.data.get("products", []) if result.ok else []
    if not products and query and (r.max_price is not None or r.preference):
        result = run.call(
            "get_product_list",
            max_price=str(r.max_price) if r.max_price is not None else None,
            preference=r.preference,
        )
        products = result.data.get("products", []) if result.ok else []
    if not products:
        run.say(gettext("I found nothing for that. Could you describe it differently?"))
        return True
    _remember(run, products)
    header = (
        gettext("Based on your preferences, here are some options:")
        if (r.max_price is not None or r.preference)
        else gettext("Here is what I found:")
    )
    run.replies.extend(
        formatting.products_replies(
            products,
            header=header,
            channel=run.channel,
            closing=gettext("Which of these interests you most?"),
        )
    )
    return True


FAQ_SURE = 0.8


def _relevant(question: str, data: dict[str, Any], ignore: list[str] | None = None) -> bool:
    """A confident FAQ match, or one sharing a word with the customer's question: a small FAQ
    list makes the matcher answer nonsense with middling confidence, which the agent declines.
    With `ignore` (the product's name words) only a shared word outside them counts."""
    if ignore is None and float(data.get("confidence") or 0) >= FAQ_SURE:
        return True
    skip = set(ignore or [])
    asked = [
        w for w in content_words(question) if len(w) >= 4 and not any(word_like(w, i) for i in skip)
    ]
    known = content_words(f"{data.get('question', '')} {data.get('answer', '')}")
    return any(word_like(a, k) or (a[:4] == k[:4] and len(k) >= 5) for a in asked for k in known)


def _answer_faq(
    run: _Run, question: str, quiet: bool = False, ignore: list[str] | None = None
) -> bool:
    """Asks the FAQs; the get_faq_info tool is called only when the matcher has a relevant
    answer, so a probe that finds nothing leaves no tool call behind."""
    from kazan.faq.queries import faq_match

    if len(content_words(question)) == 0:
        return False
    scope = run.turn.scope
    probe = faq_match(business=scope.business, text=question[:500], language=scope.language)
    if probe.outcome != "answered" or probe.best is None:
        return False
    seen = {"confidence": probe.confidence, "question": probe.best.card.question,
            "answer": probe.best.text}  # fmt: skip
    if not _relevant(question, seen, ignore):
        return False
    result = run.call("get_faq_info", question=question[:500])
    if result.ok and _relevant(question, result.data):
        run.say(result.data["answer"])
        return True
    return False


def _faq(run: _Run, r: Reading) -> bool:
    if _answer_faq(run, r.text):
        return True
    return _fallback(run, r, faq_tried=True)[0]


def _greeting(run: _Run, r: Reading) -> bool:
    result = run.call("welcome_user")
    run.say(result.data.get("text", "") if result.ok else gettext("Hello!"))
    return True


def _goodbye(run: _Run, r: Reading) -> bool:
    run.state["pending"] = ""
    result = run.call("get_generic_response", kind="goodbye")
    run.say(result.data["text"])
    return True


def _help(run: _Run, r: Reading) -> bool:
    result = run.call("get_generic_response", kind="help")
    run.say(result.data["text"])
    return True


def _fallback(run: _Run, r: Reading, faq_tried: bool = False) -> tuple[bool, bool]:
    """Nothing recognized: an FAQ may still answer, then the sentence encoder may recognize an
    intent from its examples (kazan.agent.nlu.semantic); else the polite decline (counted as a
    failed turn: after AgentSettings.handoff_after_failures in a row a person takes over)."""
    if not faq_tried and not r.off_topic and r.text.strip() and _answer_faq(run, r.text):
        return True, False
    intent = "" if r.off_topic else semantic.classify(r.text)[0]
    if intent == "handoff":
        return _handoff(run)
    if intent in _HANDLERS:
        return _HANDLERS[intent](run, r), False
    result = run.call("get_generic_response", kind="decline")
    run.say(result.data["text"])
    return False, False


_HANDLERS = {
    "confirm": _confirm,
    "reject": _decline_pending,
    "order": _order,
    "add": _add,
    "remove": _remove,
    "cart": _cart,
    "status": _status,
    "categories": _categories,
    "category": _category,
    "events": _events,
    "service": _service,
    "info": _info,
    "search": _search,
    "faq": _faq,
    "greeting": _greeting,
    "goodbye": _goodbye,
    "my_data": _my_data,
}

__all__ = ["LocalEngine", "lx"]
