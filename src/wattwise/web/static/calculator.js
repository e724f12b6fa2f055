/* wattwise calculator: re-estimates as the user types. The form is a plain GET form that works
   without JavaScript; with it, each change (debounced) fetches /api/estimate with the same query,
   swaps in the server-rendered result, marks the field an error belongs to, and puts the inputs
   in the address bar (history.replaceState) so the result can be shared. The hardware list is
   filled from /api/hardware as the user types (the catalogue has thousands of CPUs and instance types). */
(function () {
  "use strict";

  var form = document.getElementById("calc-form");
  var result = document.getElementById("calc-result");
  if (!form || !result) return;
  var status = document.getElementById("calc-status");
  var FIELDS = ["kind", "hw", "count", "hours", "region", "pue", "util", "idle_hours", "power_w", "embodied", "basis"];
  var seq = 0, timer = null, hwTimer = null, hwSeq = 0;

  function query() {
    var p = new URLSearchParams();
    FIELDS.forEach(function (k) {
      var el = form.elements[k];
      if (!el) return;
      var v = el.type === "checkbox" ? (el.checked ? "1" : "") : String(el.value || "").trim();
      if (v) p.append(k, v);
    });
    return p.toString();
  }

  function markField(field, message) {
    var marked = form.querySelectorAll("[aria-invalid]");
    for (var i = 0; i < marked.length; i++) marked[i].removeAttribute("aria-invalid");
    var errs = form.querySelectorAll(".field-error");
    for (var j = 0; j < errs.length; j++) errs[j].textContent = "";
    if (!field) return;
    var el = form.elements[field];
    if (el) el.setAttribute("aria-invalid", "true");
    var box = document.getElementById("err-" + field);
    if (box) box.textContent = message;
  }

  function destroyCharts() {
    if (!window.Chart || !window.Chart.getChart) return;
    var canvases = result.querySelectorAll("canvas");
    for (var i = 0; i < canvases.length; i++) {
      var c = window.Chart.getChart(canvases[i]);
      if (c) c.destroy();
    }
  }

  function update() {
    clearTimeout(timer);
    var qs = query();
    var mine = ++seq;
    result.setAttribute("data-state", "loading");
    if (status) status.textContent = "updating…";
    fetch("/api/estimate?" + qs, { headers: { accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (d) {
        if (mine !== seq) return; // a newer request is on its way
        destroyCharts();
        result.innerHTML = d.html; // rendered and escaped by the server's templates
        markField(d.ok ? null : d.field, d.error || "");
        history.replaceState(null, "", "/calculator?" + qs);
        if (window.wattwiseCharts) window.wattwiseCharts.draw(result);
        result.setAttribute("data-query", qs);
        result.setAttribute("data-state", d.ok ? "ready" : "invalid");
        if (status) status.textContent = d.ok ? "" : "see the message next to the field";
      })
      .catch(function () {
        if (mine !== seq) return;
        result.setAttribute("data-state", "error");
        if (status) status.textContent = "the dashboard did not answer; press Estimate to try again";
      });
  }

  function later(ms) {
    clearTimeout(timer);
    timer = setTimeout(update, ms);
  }

  function fillHardware() {
    var kind = form.elements.kind.value, q = form.elements.hw.value.trim(), mine = ++hwSeq;
    fetch("/api/hardware?" + new URLSearchParams({ kind: kind, q: q }).toString(), { headers: { accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (d) {
        if (mine !== hwSeq || !d.items) return;
        var list = document.getElementById("hw-list");
        while (list.firstChild) list.removeChild(list.firstChild);
        d.items.forEach(function (it) {
          var o = document.createElement("option");
          o.value = it.value;
          o.textContent = it.detail;
          list.appendChild(o);
        });
      })
      .catch(function () { /* the list is a convenience; typing still works */ });
  }

  form.addEventListener("input", function (e) {
    if (e.target.name === "hw") {
      clearTimeout(hwTimer);
      hwTimer = setTimeout(fillHardware, 120);
    }
    later(e.target.type === "checkbox" || e.target.tagName === "SELECT" ? 0 : 300);
  });
  form.addEventListener("change", function (e) {
    if (e.target.name === "kind") {
      var opt = e.target.options[e.target.selectedIndex];
      var what = document.getElementById("count-what");
      if (what && opt) what.textContent = "(" + opt.getAttribute("data-counts") + ")";
      form.elements.hw.value = ""; // a model of the other catalogue would only be an error
      form.elements.hw.focus();
      fillHardware();
    }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    update();
  });
})();
