// Opens Razorpay Checkout for the order in #razorpay-options (the dashboard's payment page).
// Checkout posts the signed result to options.callback_url, which verifies it on the server.
(function () {
  "use strict";
  var button = document.getElementById("razorpay-pay");
  var data = document.getElementById("razorpay-options");
  if (!button || !data) return;
  if (typeof window.Razorpay !== "function") {
    button.disabled = true;
    document.getElementById("razorpay-unavailable").hidden = false;
    return;
  }
  var options = JSON.parse(data.textContent);
  var checkout = new window.Razorpay(options);
  button.addEventListener("click", function () {
    checkout.open();
  });
})();
