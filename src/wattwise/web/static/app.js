/* wattwise dashboard charts. Reads each chart's data from the JSON script element
   named by its figure's data-source attribute, draws it with Chart.js (shipped alongside, no CDN),
   and folds the server-rendered table into a "show the numbers" box. Without JavaScript the
   tables stay as they are. */
(function () {
  "use strict";

  function rgba(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + ((n >> 16) & 255) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + a + ")";
  }

  // Windows (epochs, steps) as shaded bands behind the lines, labelled where they are wide enough.
  var bandsPlugin = {
    id: "wwBands",
    beforeDatasetsDraw: function (chart, args, opts) {
      var bands = (opts && opts.bands) || [];
      if (!bands.length) return;
      var x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx;
      ctx.save();
      ctx.font = "11px system-ui, sans-serif";
      bands.forEach(function (b, i) {
        var x0 = Math.max(x.getPixelForValue(b.x0), area.left);
        var x1 = Math.min(x.getPixelForValue(b.x1), area.right);
        if (!(x1 > x0)) return;
        ctx.fillStyle = b.color || (i % 2 ? "rgba(100,116,139,0.06)" : "rgba(100,116,139,0.15)");
        ctx.fillRect(x0, area.top, x1 - x0, area.bottom - area.top);
        if (b.edge) { // an outlined band (the schedule page's "start now")
          ctx.setLineDash([5, 4]);
          ctx.strokeStyle = b.edge;
          ctx.strokeRect(x0 + 0.5, area.top + 0.5, x1 - x0 - 1, area.bottom - area.top - 1);
          ctx.setLineDash([]);
        }
        if (ctx.measureText(b.name).width + 6 < x1 - x0) {
          ctx.fillStyle = b.text || "#475569";
          ctx.fillText(b.name, x0 + 3, area.top + (b.edge ? 26 : 12));
        }
      });
      ctx.restore();
    }
  };

  function points(xs, ys) {
    var out = [];
    for (var i = 0; i < xs.length; i++) out.push({ x: xs[i], y: ys[i] });
    return out;
  }

  function axes(d, stacked) {
    return {
      x: { type: "linear", title: { display: true, text: d.xlabel }, ticks: { maxTicksLimit: 10 } },
      y: { stacked: !!stacked, beginAtZero: true, title: { display: true, text: d.ylabel } }
    };
  }

  var builders = {
    power: function (d) {
      return {
        type: "line",
        data: {
          datasets: d.datasets.map(function (s, i) {
            return { label: s.label, data: points(d.x, s.data), borderColor: s.color, backgroundColor: rgba(s.color, 0.45),
                     fill: i === 0 ? "origin" : "-1", pointRadius: 0, borderWidth: 1.2, spanGaps: true };
          })
        },
        options: { scales: axes(d, true), plugins: { wwBands: { bands: d.bands } } }
      };
    },
    emissions: function (d) {
      return {
        type: "line",
        data: { datasets: [{ label: d.ylabel, data: points(d.x, d.y), borderColor: "#b45309",
                             backgroundColor: rgba("#b45309", 0.18), fill: "origin", pointRadius: 0, borderWidth: 1.6 }] },
        options: { scales: axes(d, false), plugins: { legend: { display: false }, wwBands: { bands: d.bands } } }
      };
    },
    intensity: function (d) {
      return {
        type: "line",
        data: { datasets: [{ label: d.ylabel, data: points(d.x, d.y), borderColor: "#0f766e", stepped: "before",
                             pointRadius: 2, borderWidth: 1.6 }] },
        options: { scales: axes(d, false), plugins: { legend: { display: false }, wwBands: { bands: d.bands } } }
      };
    },
    // Intensity over the planning window, the planned slots as green bands (schedule page).
    schedule: function (d) {
      return {
        type: "line",
        data: { datasets: [{ label: d.ylabel, data: points(d.x, d.y), borderColor: "#0f766e", backgroundColor: rgba("#0f766e", 0.08),
                             fill: "origin", stepped: "after", pointRadius: 0, borderWidth: 1.8 }] },
        options: { scales: axes(d, false), plugins: { legend: { display: false }, wwBands: { bands: d.bands } } }
      };
    },
    bars: function (d) {
      var stacked = d.datasets.length > 1;
      return {
        type: "bar",
        data: {
          labels: d.labels,
          datasets: d.datasets.map(function (s) {
            return { label: s.label, data: s.data, backgroundColor: rgba(s.color, 0.8), borderColor: s.color, borderWidth: 1 };
          })
        },
        options: {
          scales: { x: { stacked: stacked }, y: { stacked: stacked, beginAtZero: true, title: { display: true, text: d.ylabel } } },
          plugins: { legend: { display: stacked } }
        }
      };
    }
  };

  function draw(fig) {
    var src = document.getElementById(fig.getAttribute("data-source"));
    var build = builders[fig.getAttribute("data-chart")];
    if (!src || !build || typeof window.Chart === "undefined") return;
    var cfg = build(JSON.parse(src.textContent));
    cfg.plugins = [bandsPlugin];
    cfg.options.animation = false;
    cfg.options.responsive = true;
    cfg.options.maintainAspectRatio = false;
    cfg.options.interaction = { mode: "index", intersect: false };
    cfg.options.normalized = true;
    var box = document.createElement("div");
    box.className = "chart-box";
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", fig.querySelector("figcaption").textContent);
    box.appendChild(canvas);
    var fallback = fig.querySelector(".chart-fallback");
    fig.insertBefore(box, fallback);
    new window.Chart(canvas, cfg);
    fig.setAttribute("data-rendered", "1");
    if (fallback && fallback.textContent.trim()) {
      var det = document.createElement("details");
      var sum = document.createElement("summary");
      sum.textContent = "Show the numbers as a table";
      det.appendChild(sum);
      fallback.parentNode.replaceChild(det, fallback);
      det.appendChild(fallback);
    } else if (fallback) {
      fallback.remove();
    }
  }

  // Draws every chart under root (default: the page) not drawn yet; pages that replace part of
  // themselves (the calculator, the schedule page) call window.wattwiseCharts.draw(part).
  function init(root) {
    var figs = (root && root.querySelectorAll ? root : document).querySelectorAll("figure.chart[data-chart]:not([data-rendered])");
    for (var i = 0; i < figs.length; i++) draw(figs[i]);
  }

  window.wattwiseCharts = { draw: init, builders: builders };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
