/* Console overview charts: every <canvas data-chart="key"> is drawn from the json_script
   "console-charts" block {key: {type, labels, datasets}} with the vendored Chart.js. */
(function () {
  "use strict";
  var source = document.getElementById("console-charts");
  if (!source || !window.Chart) return;
  var charts = JSON.parse(source.textContent);
  var colours = ["#1f7a5a", "#2e90fa", "#f79009", "#7a5af8", "#12b76a", "#f04438", "#ee46bc"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = charts[canvas.getAttribute("data-chart")];
    if (!spec) return;
    new window.Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (set, n) {
          return {
            label: set.label,
            data: set.data,
            borderColor: colours[n % colours.length],
            backgroundColor: colours[n % colours.length],
            tension: 0.25
          };
        })
      },
      options: {
        locale: document.documentElement.lang || undefined, // numbers in the page's language
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  });
})();
