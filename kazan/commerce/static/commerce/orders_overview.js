/* The sales overview's trend: orders (left axis) and revenue (right axis) per day, from the
   json_script data the server rendered (labels already formatted in the page's language). */
(function () {
  "use strict";
  var source = document.getElementById("orders-chart-data");
  var canvas = document.getElementById("orders-chart");
  if (!window.Chart || !source || !canvas) return;
  var data = JSON.parse(source.textContent);
  var colours = ["#1f7a5a", "#2e90fa"];
  new window.Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: data.datasets.map(function (set, n) {
        return {
          label: set.label,
          data: set.data,
          yAxisID: set.axis,
          borderColor: colours[n % colours.length],
          backgroundColor: colours[n % colours.length],
          tension: 0.25,
          pointRadius: 2
        };
      })
    },
    options: {
      locale: document.documentElement.lang || undefined,
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0 } },
        money: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } }
      }
    }
  });
})();
