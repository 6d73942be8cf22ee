/* The chat's rendering of the engine's channel-neutral replies (text — with sanitized `html`
   for an FAQ answer —, error, user, choices, input, links, image, voucher), shared by the
   landing-page chat (landing/chat.js) and the website widget's frame (widget/frame.js). Each
   page keeps its own transport (how an answer is sent, live replies, the widget's host page)
   and passes it in: KazanChat.renderer({chat, composer, ui, send, onLink, autofocus,
   commandText}); KazanChat.result reads a JSON answer as {ok, data}. No libraries; every
   word shown comes from the server (the replies, or the page's `ui` strings). */
(function () {
  "use strict";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  var INPUTS = {
    name: { type: "text", autocomplete: "name" },
    phone: { type: "tel", autocomplete: "tel", inputmode: "tel" },
    otp: { type: "text", autocomplete: "one-time-code", inputmode: "numeric", maxlength: "6", pattern: "[0-9]*" },
    text: { type: "text" }
  };

  /* opts: chat and composer (elements); ui() the page's strings (they may arrive later);
     send(body, echo) posts an answer; onLink(a, link) is told of every link shown (an FAQ
     answer's, link null, or a links reply's); autofocus puts the cursor in an asked field;
     commandText sends an option's label as text with its command. `last` is the open question
     (an input or choices reply), offered again after a failed request. */
  function renderer(opts) {
    var chat = opts.chat;
    var composer = opts.composer;
    var onLink = opts.onLink || function () {};
    var view = { last: null, el: el };

    function scroll() {
      chat.scrollTop = chat.scrollHeight;
    }

    function bubble(text, who) {
      var node = el("div", "msg " + who, text);
      chat.appendChild(node);
      return node;
    }

    /* An FAQ answer's rich text. The server sanitized it with an allow-list (p, br, strong,
       em, lists, links to http(s)/mailto/tel only: kazan/faq/richtext.py), so it is inserted
       as HTML; links still open in a new tab without access to this page. */
    function richBubble(html) {
      var node = el("div", "msg bot rich");
      node.innerHTML = html;
      node.querySelectorAll("a").forEach(function (a) {
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        onLink(a, null);
      });
      chat.appendChild(node);
    }

    function button(label, cls, onClick) {
      var b = el("button", "btn" + (cls ? " " + cls : ""), label);
      b.type = "button";
      b.addEventListener("click", onClick);
      return b;
    }

    function commands(reply, form) {
      if (!reply.commands || !reply.commands.length) return;
      var box = el("div", "commands");
      reply.commands.forEach(function (c) {
        box.appendChild(button(c.label, "", function () {
          opts.send({ payload: { command: c.value } }, c.label);
        }));
      });
      form.appendChild(box);
    }

    function askInput(reply) {
      var ui = opts.ui();
      view.last = reply;
      composer.textContent = "";
      var form = el("form");
      form.noValidate = true;
      var kind = reply.input;
      if (kind === "rating") {
        var stars = el("div", "stars");
        for (var n = 1; n <= (reply.max || 5); n++) {
          (function (value) {
            var b = button("★", "", function () {
              opts.send({ payload: { value: value } }, "★".repeat(value) + "☆".repeat((reply.max || 5) - value));
            });
            b.setAttribute("aria-label", ui.star.replace("%(n)s", value));
            b.setAttribute("data-star", value);
            stars.appendChild(b);
          })(n);
        }
        form.appendChild(stars);
      } else if (kind === "consent") {
        var box = el("input");
        box.type = "checkbox";
        box.name = "consent";
        if (reply.checkbox) {
          var label = el("label", "consent");
          label.appendChild(box);
          label.appendChild(el("span", "", reply.checkbox));
          form.appendChild(label);
        }
        var go = el("button", "btn primary", reply.submit);
        go.type = "submit";
        form.appendChild(go);
        form.addEventListener("submit", function (event) {
          event.preventDefault();
          opts.send({ payload: { value: box.checked } }, box.checked ? "✓ " + (reply.checkbox || "") : reply.submit);
        });
      } else {
        var field;
        if (kind === "comment") {
          field = el("textarea");
        } else {
          field = el("input");
          var spec = INPUTS[kind] || INPUTS.text;
          Object.keys(spec).forEach(function (k) {
            field.setAttribute(k, spec[k]);
          });
        }
        field.name = kind;
        // A placeholder is an example ("123456"), not a name: the step's label names the field.
        field.setAttribute("aria-label", reply.label || reply.placeholder || ui.yourAnswer);
        if (reply.placeholder) field.placeholder = reply.placeholder;
        form.appendChild(field);
        var submit = el("button", "btn primary", reply.submit || ui.send);
        submit.type = "submit";
        form.appendChild(submit);
        form.addEventListener("submit", function (event) {
          event.preventDefault();
          var value = field.value.trim();
          if (!value && !reply.optional) {
            field.focus();
            return;
          }
          opts.send({ text: value }, kind === "otp" ? "••••••" : value);
        });
        if (opts.autofocus) {
          setTimeout(function () {
            field.focus();
          }, 0);
        }
      }
      commands(reply, form);
      composer.appendChild(form);
      composer.hidden = false;
    }

    function choices(reply) {
      view.last = reply;
      var box = el("div", "choices");
      box.setAttribute("role", "group");
      reply.choices.forEach(function (c) {
        box.appendChild(button(c.label, "", function () {
          box.remove();
          // An option a fallback offered ("Did you mean …?") answers as a command.
          var payload = c.command ? { command: c.command } : reply.command ? { command: c.value } : { choice: c.value };
          var body = { payload: payload };
          if (c.command && opts.commandText) body.text = c.label;
          opts.send(body, c.label);
        }));
      });
      chat.appendChild(box);
    }

    function links(reply) {
      var box = el("div", "links");
      reply.links.forEach(function (link) {
        var a = el("a", "btn", link.label);
        a.href = link.url;
        a.target = "_blank";
        a.rel = "noopener";
        if (link.target) a.setAttribute("data-target", link.target);
        onLink(a, link);
        box.appendChild(a);
      });
      chat.appendChild(box);
    }

    function voucher(reply) {
      var card = el("section", "voucher");
      card.setAttribute("data-voucher", reply.code);
      card.appendChild(el("h2", "", reply.title));
      if (reply.discount) card.appendChild(el("p", "discount", reply.discount));
      var img = el("img");
      img.src = reply.qr;
      img.alt = reply.qr_alt;
      card.appendChild(img);
      var code = el("p", "code", reply.code);
      code.setAttribute("aria-label", opts.ui().voucherCode + " " + reply.code);
      card.appendChild(code);
      card.appendChild(el("p", "expires", reply.expires_label));
      chat.appendChild(card);
    }

    function image(reply) {
      var img = el("img");
      img.src = reply.data_uri;
      img.alt = reply.alt || "";
      chat.appendChild(img);
    }

    /* One reply of a type every web chat shows; false for another (the page's own). */
    function reply(r) {
      switch (r.type) {
        case "text":
          if (r.html) richBubble(r.html);
          else bubble(r.text, "bot");
          return true;
        case "error": bubble(r.text, "bot error"); return true;
        case "user": bubble(r.text, "user"); return true;
        case "choices": choices(r); return true;
        case "input": askInput(r); return true;
        case "links": links(r); return true;
        case "voucher": voucher(r); return true;
        case "image": image(r); return true;
      }
      return false;
    }

    view.scroll = scroll;
    view.bubble = bubble;
    view.button = button;
    view.askInput = askInput;
    view.reply = reply;
    return view;
  }

  /* A JSON answer of Kazan's, with whether it was a success: {ok, data}. */
  function result(response) {
    return response.json().then(function (data) {
      return { ok: response.ok, data: data };
    });
  }

  window.KazanChat = { renderer: renderer, result: result };
})();
