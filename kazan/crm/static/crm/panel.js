/* The Telegram CRM panel's overview: four charts drawn with the vendored Chart.js from the
   json_script data the server rendered (labels already in the page's language), and live
   updates: the panel's server-sent events (kazan.crm.panel_stream) say when orders or
   payments changed, and the figures block (#crm-live, with the charts' data) is refetched
   with htmx — at most once per second however many changes arrive — then the charts redraw. */
(function () {
  "use strict";
  var colours = ["#1f7a5a", "#2e90fa", "#f79009", "#7a5af8", "#f04438", "#12b76a", "#ee46bc"];
  var charts = {};
  var locale = document.documentElement.lang || undefined;

  function base(extra) {
    var options = {
      locale: locale,
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: "bottom" } }
    };
    Object.keys(extra || {}).forEach(function (key) { options[key] = extra[key]; });
    return options;
  }

  function lines(datasets) {
    return datasets.map(function (set, n) {
      return {
        label: set.label,
        data: set.data,
        yAxisID: set.axis || "y",
        borderColor: colours[n % colours.length],
        backgroundColor: colours[n % colours.length],
        tension: 0.25,
        pointRadius: 2
      };
    });
  }

  function configs(data) {
    var out = {
      "crm-chart-status": {
        type: "doughnut",
        data: {
          labels: data.status.labels,
          datasets: [{ data: data.status.data, backgroundColor: colours }]
        },
        options: base()
      },
      "crm-chart-packages": {
        type: "bar",
        data: {
          labels: data.packages.map(function (row) { return row.label; }),
          datasets: [{
            label: document.getElementById("packages-chart-heading").textContent,
            data: data.packages.map(function (row) { return row.count; }),
            backgroundColor: colours[1]
          }]
        },
        options: base({
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
          plugins: { legend: { display: false } }
        })
      }
    };
    if (data.revenue) {
      out["crm-chart-revenue"] = {
        type: "line",
        data: { labels: data.labels, datasets: lines(data.revenue.datasets) },
        options: base({
          interaction: { mode: "index", intersect: false },
          scales: {
            y: { beginAtZero: true, ticks: { precision: 0 } },
            money: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } }
          }
        })
      };
    }
    if (data.growth) {
      out["crm-chart-growth"] = {
        type: "line",
        data: { labels: data.labels, datasets: lines(data.growth.datasets) },
        options: base({
          interaction: { mode: "index", intersect: false },
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
        })
      };
    }
    return out;
  }

  function draw() {
    var source = document.getElementById("crm-chart-data");
    if (!window.Chart || !source) return;
    var all = configs(JSON.parse(source.textContent));
    Object.keys(all).forEach(function (id) {
      var canvas = document.getElementById(id);
      if (!canvas) return;
      if (charts[id]) {
        charts[id].data = all[id].data;
        charts[id].update();
      } else {
        charts[id] = new window.Chart(canvas, all[id]);
      }
    });
  }

  draw();
  var live = document.getElementById("crm-live");
  if (!live || !window.EventSource || !window.htmx) return;
  var pending = null;
  function refresh() {
    pending = null;
    window.htmx.ajax("GET", live.getAttribute("data-crm-refresh"), {
      target: "#crm-live",
      swap: "innerHTML"
    }).then(draw);
  }
  var source = new EventSource(live.getAttribute("data-crm-events"));
  source.addEventListener("ready", function () {
    live.setAttribute("data-live", "on");
  });
  source.addEventListener("change", function () {
    if (!pending) pending = window.setTimeout(refresh, 1000);
  });
})();
