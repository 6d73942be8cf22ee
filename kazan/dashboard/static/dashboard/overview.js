/* Overview charts: each reads the json_script data the server rendered and draws it with the
   vendored Chart.js. The trend chart's buttons switch between the last 30 days and the last 12
   months; the website chat chart shows the chosen period by day (its period links reload the
   page). The server sends ISO dates and their labels already formatted in the page's language,
   so nothing here formats a date. Periods still running (the current month) are listed in
   `partial`: the line into them is dashed and their point hollow. */
(function () {
  "use strict";
  if (!window.Chart) return;
  var colours = [
    "#1f7a5a", "#2e90fa", "#f79009", "#7a5af8", "#12b76a", "#f04438", "#ee46bc", "#0e9384",
    "#667085"
  ];

  function config(block, period) {
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

  /* Draws the chart of canvas `canvasId` from the json_script `sourceId`, period "day" first;
     returns {chart, data} or null when the page has no such chart. */
  function draw(canvasId, sourceId) {
    var source = document.getElementById(sourceId);
    var canvas = document.getElementById(canvasId);
    if (!source || !canvas) return null;
    var data = JSON.parse(source.textContent);
    var chart = new window.Chart(canvas, {
      type: "line",
      data: config(data.day, "day"),
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
    return { chart: chart, data: data };
  }

  var trend = draw("overview-chart", "overview-chart-data");
  if (trend) {
    document.querySelectorAll("[data-period]").forEach(function (button) {
      button.addEventListener("click", function () {
        var period = button.getAttribute("data-period");
        document.querySelectorAll("[data-period]").forEach(function (other) {
          other.setAttribute("aria-pressed", other === button ? "true" : "false");
        });
        trend.chart.data = config(trend.data[period], period);
        trend.chart.update();
      });
    });
  }
  draw("chat-chart", "chat-chart-data");
})();
