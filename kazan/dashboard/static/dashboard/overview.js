/* Overview chart: reads the json_script data the server rendered and draws it with the vendored
   Chart.js; the buttons switch between the last 30 days and the last 12 months. The server sends
   ISO dates and their labels already formatted in the page's language, so nothing here formats
   a date. Periods still running (the current month) are listed in `partial`: the line into them
   is dashed and their point hollow. */
(function () {
  "use strict";
  var source = document.getElementById("overview-chart-data");
  var canvas = document.getElementById("overview-chart");
  if (!source || !canvas || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  var colours = ["#1f7a5a", "#2e90fa", "#f79009", "#7a5af8", "#12b76a", "#f04438", "#ee46bc"];

  function config(period) {
    var block = data[period];
    var partial = block.partial || [];
    function running(index) {
      return partial.indexOf(index) !== -1;
    }
    return {
      labels: block.labels,
      datasets: block.datasets.map(function (set, n) {
        return {
          label: set.label,
          data: set.data,
          borderColor: colours[n % colours.length],
          backgroundColor: colours[n % colours.length],
          tension: 0.25,
          pointRadius: period === "day" ? 1.5 : 3,
          pointBackgroundColor: set.data.map(function (_value, index) {
            return running(index) ? "#fff" : colours[n % colours.length];
          }),
          segment: {
            borderDash: function (ctx) {
              return running(ctx.p1DataIndex) ? [6, 4] : undefined;
            }
          }
        };
      })
    };
  }

  var chart = new window.Chart(canvas, {
    type: "line",
    data: config("day"),
    options: {
      // Axis numbers and tooltips in the page's language, not the browser's.
      locale: document.documentElement.lang || undefined,
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: "bottom" } }
    }
  });

  document.querySelectorAll("[data-period]").forEach(function (button) {
    button.addEventListener("click", function () {
      var period = button.getAttribute("data-period");
      document.querySelectorAll("[data-period]").forEach(function (other) {
        other.setAttribute("aria-pressed", other === button ? "true" : "false");
      });
      chart.data = config(period);
      chart.update();
    });
  });
})();
