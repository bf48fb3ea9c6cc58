// upstat dashboard: live updates without a reload.
//
// The server renders every page; this script follows the API's SSE stream
// and, when an event concerns the page, fetches the same URL again and
// swaps the #live region for the fresh one. Nothing vendor-supplied is
// ever turned into markup here: the new region comes from the server's
// escaped HTML, and announcements use textContent.
(function () {
  "use strict";

  var body = document.body;
  var params = new URLSearchParams(location.search);
  var token = params.get("token");
  var eventsURL = body.dataset.eventsUrl || "";
  var scopeVendor = body.dataset.vendor || "";
  var scopeIncident = body.dataset.incident || "";
  var conn = document.getElementById("conn");
  var announcer = document.getElementById("announce");
  var serverNow = Date.parse(body.dataset.now || "");
  var skew = isNaN(serverNow) ? 0 : serverNow - Date.now();
  // The page shows everything that happened before it was rendered. A
  // fresh EventSource (no `since`) starts live, but a reconnect resumes
  // from its Last-Event-ID and may deliver events older than the page;
  // those must not cause refreshes. A margin covers events stamped just
  // before they were committed.
  var renderedAt = isNaN(serverNow) ? 0 : serverNow;
  var MARGIN = 5000;
  var refreshes = 0;
  var changed = {};

  var TYPES = ["incident.opened", "incident.updated", "incident.resolved", "vendor.status_changed",
    "component.status_changed", "vendor.stale", "vendor.recovered",
    "service.status_changed"];
  var LABELS = { operational: "operational", maintenance: "maintenance", degraded: "degraded",
    partial_outage: "partial outage", major_outage: "major outage", unknown: "unknown" };

  function setConn(state, text) {
    if (!conn) return;
    conn.dataset.state = state;
    conn.textContent = text;
  }

  // duration mirrors web.Duration: the two largest units, truncated.
  function duration(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    if (d > 0) return h > 0 ? d + "d " + h + "h" : d + "d";
    if (h > 0) return m > 0 ? h + "h " + m + "m" : h + "h";
    if (m > 0) return m + "m";
    return s + "s";
  }

  function tick() {
    var now = Date.now() + skew;
    document.querySelectorAll("time[data-ago]").forEach(function (el) {
      var t = Date.parse(el.getAttribute("datetime"));
      if (isNaN(t)) return;
      if (el.dataset.ago === "bare") {
        el.textContent = duration(now - t);
      } else {
        el.textContent = now - t < 60000 ? "just now" : duration(now - t) + " ago";
      }
    });
  }

  // Filter box: instant client-side filtering; the URL keeps the query so
  // that a refresh (and a shared link) shows the same thing.
  function applyFilter() {
    var input = document.getElementById("filter");
    if (!input) return;
    var q = input.value.trim().toLowerCase();
    var shown = 0;
    document.querySelectorAll("[data-group]").forEach(function (group) {
      var inGroup = 0;
      group.querySelectorAll("[data-filter]").forEach(function (row) {
        var hit = q === "" || row.dataset.filter.indexOf(q) >= 0;
        row.hidden = !hit;
        if (hit) inGroup++;
      });
      group.hidden = inGroup === 0;
      shown += inGroup;
    });
    var empty = document.getElementById("filter-empty");
    if (empty) empty.hidden = shown > 0 || q === "";
  }

  function markChanged() {
    Object.keys(changed).forEach(function (id) {
      var row = document.getElementById("vendor-" + id);
      if (row) row.classList.add("changed");
    });
    changed = {};
  }

  var timer = null, inflight = false, again = false;
  function schedule(delay) {
    if (timer) return;
    timer = setTimeout(refresh, delay === undefined ? 200 : delay);
  }

  function refresh() {
    timer = null;
    if (inflight) { again = true; return; }
    inflight = true;
    fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" }, cache: "no-store" })
      .then(function (resp) {
        if (!resp.ok) throw new Error("HTTP " + resp.status);
        return resp.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("live");
        var current = document.getElementById("live");
        if (!fresh || !current) return;
        var focused = document.activeElement && document.activeElement.id;
        current.replaceWith(document.importNode(fresh, true));
        document.title = doc.title;
        var at = Date.parse(doc.body.dataset.now || "");
        if (!isNaN(at)) renderedAt = at;
        refreshes++;
        body.dataset.refreshes = String(refreshes);
        markChanged();
        applyFilter();
        tick();
        localTimes();
        barsToToday();
        if (focused) {
          var el = document.getElementById(focused);
          if (el) el.focus();
        }
      })
      .catch(function () {
        setConn("error", "Update failed, retrying");
        schedule(5000);
      })
      .finally(function () {
        inflight = false;
        if (again) { again = false; schedule(); }
      });
  }

  function concerns(ev) {
    if (scopeIncident) return ev.incident_id === scopeIncident || (ev.vendor === scopeVendor && ev.type.indexOf("vendor.") === 0);
    if (scopeVendor) return ev.vendor === scopeVendor;
    return true;
  }

  function onEvent(msg) {
    var ev;
    try { ev = JSON.parse(msg.data); } catch (e) { return; }
    if (!ev || typeof ev.type !== "string" || !concerns(ev)) return;
    if (Date.parse(ev.at) < renderedAt - MARGIN) return;
    if (ev.vendor) changed[ev.vendor] = true;
    if (announcer) {
      var what = ev.type.replace(".", " ").replace("_", " ");
      if (ev.to) what += ": now " + (LABELS[ev.to] || ev.to);
      announcer.textContent = (ev.vendor || "") + " " + what;
    }
    schedule();
  }

  function connect() {
    var url = eventsURL;
    if (token) url += (url.indexOf("?") < 0 ? "?" : "&") + "token=" + encodeURIComponent(token);
    var source = new EventSource(url);
    var lost = false;
    source.onopen = function () {
      setConn("live", "Live");
      // Events may have been missed while disconnected: catch up once.
      if (lost) { lost = false; schedule(); }
    };
    source.onerror = function () {
      lost = true;
      setConn("reconnecting", "Reconnecting…");
    };
    source.onmessage = onEvent;
    TYPES.forEach(function (t) { source.addEventListener(t, onEvent); });
  }

  var filter = document.getElementById("filter");
  if (filter) {
    filter.addEventListener("input", function () {
      var url = new URL(location.href);
      if (filter.value.trim()) url.searchParams.set("q", filter.value.trim());
      else url.searchParams.delete("q");
      history.replaceState(null, "", url);
      applyFilter();
      schedule(400);
    });
  }
  // "/" focuses the filter, as on most dashboards.
  document.addEventListener("keydown", function (e) {
    var box = document.getElementById("filter");
    if (e.key !== "/" || !box || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) return;
    e.preventDefault();
    box.focus();
  });
  // Times marked data-local are shown in the viewer's zone (UTC stays in
  // the title).
  function localTimes() {
    document.querySelectorAll("time[data-local]").forEach(function (el) {
      var t = new Date(el.getAttribute("datetime"));
      if (!isNaN(t)) el.textContent = t.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
    });
  }
  localTimes();
  // A bar that scrolls (a phone) shows today first.
  function barsToToday() {
    document.querySelectorAll(".bar-wrap").forEach(function (el) { el.scrollLeft = el.scrollWidth; });
  }
  barsToToday();
  ["sort", "problems"].forEach(function (id) {
    var el = document.getElementById(id);
    if (el) el.addEventListener("change", function () { el.form.requestSubmit(); });
  });
  var group = document.getElementById("group");
  if (group) {
    group.addEventListener("change", function () { group.form.requestSubmit(); });
  }

  setInterval(tick, 30000);
  if (eventsURL && window.EventSource) {
    connect();
  } else {
    setInterval(function () { schedule(0); }, 60000);
  }
})();
