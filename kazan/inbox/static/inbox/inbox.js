/* The team inbox: live updates over server-sent events (kazan.inbox.stream) turned into htmx
   triggers — "inbox-changed" for the list, "inbox-conversation-<id>" for an open thread — and
   canned responses inserted into the reply box. */
(function () {
  "use strict";
  var root = document.querySelector("[data-inbox-events]");
  if (root && window.EventSource) {
    var source = new EventSource(root.getAttribute("data-inbox-events"));
    source.addEventListener("ready", function () {
      root.setAttribute("data-live", "on");
    });
    source.addEventListener("change", function (event) {
      var data = JSON.parse(event.data);
      htmx.trigger(document.body, "inbox-changed", data);
      htmx.trigger(document.body, "inbox-conversation-" + data.conversation, data);
    });
  }

  document.addEventListener("change", function (event) {
    var pick = event.target.closest("select[data-canned]");
    if (!pick || !pick.value) return;
    var box = document.getElementById(pick.getAttribute("data-canned"));
    var start = box.selectionStart, end = box.selectionEnd;
    box.value = box.value.slice(0, start) + pick.value + box.value.slice(end);
    box.focus();
    box.selectionStart = box.selectionEnd = start + pick.value.length;
    pick.value = "";
  });
})();
