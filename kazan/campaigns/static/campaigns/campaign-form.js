/* The campaign form's htmx parts answer a refusal (a bad filter, an invalid test number, the
   hourly test limit) with a 4xx and a message for the person: show it where the answer goes,
   instead of htmx's default of dropping error responses. */
(function () {
  "use strict";
  var TARGETS = ["audience-count", "campaign-test-result"];
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status >= 400 && status < 500 && TARGETS.indexOf(event.detail.target.id) >= 0) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
