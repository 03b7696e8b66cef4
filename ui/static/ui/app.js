/* The operator's web UI: live pushes over one WebSocket per page and relative times (the
   console is in console.js). Plain JavaScript, no dependencies. The server renders every page;
   this file only keeps it fresh: pushes patch it in place or re-read a part (?fragment=NAME). */
(function () {
  "use strict";

  const body = document.body;

  // --- Relative times ---------------------------------------------------------------------
  function relative(iso) {
    const seconds = Math.round((Date.now() - Date.parse(iso)) / 1000);
    if (!isFinite(seconds)) return "";
    if (seconds < 5) return "just now";
    if (seconds < 60) return seconds + " s ago";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min ago";
    if (seconds < 86400) return Math.floor(seconds / 3600) + " h ago";
    return Math.floor(seconds / 86400) + " d ago";
  }

  function refreshTimes(root) {
    (root || document).querySelectorAll("time[data-relative]").forEach(function (el) {
      el.textContent = relative(el.getAttribute("datetime"));
    });
  }

  function setTime(el, iso) {
    if (!el || !iso) return;
    el.setAttribute("datetime", iso);
    el.setAttribute("data-relative", "");
    el.title = iso;
    el.textContent = relative(iso);
  }

  function timeElement(iso) {
    const el = document.createElement("time");
    setTime(el, iso);
    return el;
  }

  // --- Page parts re-read from the server -------------------------------------------------
  // One fetch at a time per part; a push arriving meanwhile asks for one more afterwards, so
  // what is shown is never older than the last event.
  const parts = {};

  function refresh(name) {
    const part = parts[name] || (parts[name] = { busy: false, again: false });
    if (part.busy) {
      part.again = true;
      return part.done;
    }
    const el = document.querySelector('[data-fragment="' + name + '"]');
    if (!el) return Promise.resolve();
    part.busy = true;
    const url = new URL(window.location.href);
    url.searchParams.set("fragment", name);
    part.done = fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (response.redirected || !response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        el.innerHTML = html;
        refreshTimes(el);
      })
      .catch(function () { /* shown as it was; the next event or reconnect tries again */ })
      .then(function () {
        part.busy = false;
        if (part.again) {
          part.again = false;
          return refresh(name);
        }
      });
    return part.done;
  }

  function markPending(name) {
    if (parts[name] && parts[name].busy) parts[name].again = true;
  }

  // --- The live socket --------------------------------------------------------------------
  function setLive(state) {
    body.dataset.live = state;
    const label = { live: "Live", connecting: "Connecting…", reconnecting: "Reconnecting…" };
    const indicator = document.getElementById("live-indicator");
    if (indicator) indicator.textContent = label[state] || state;
  }

  function openLive(path, handlers, onOpen) {
    let delay = 1000;
    function connect() {
      const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      const socket = new WebSocket(scheme + window.location.host + path);
      socket.onopen = function () {
        delay = 1000;
        // Events may have been missed before the socket was up: re-read, then say "live".
        Promise.resolve(onOpen()).then(function () { setLive("live"); });
      };
      socket.onmessage = function (message) {
        let event;
        try { event = JSON.parse(message.data); } catch (e) { return; }
        const handler = handlers[event.event];
        if (handler) handler(event.data || {});
      };
      socket.onclose = function () {
        setLive("reconnecting");
        window.setTimeout(connect, delay);
        delay = Math.min(delay * 2, 15000);
      };
    }
    connect();
  }

  function flash(el) {
    if (!el) return;
    el.classList.remove("is-fresh");
    void el.offsetWidth; // restart the animation
    el.classList.add("is-fresh");
    window.setTimeout(function () { el.classList.remove("is-fresh"); }, 1500);
  }

  // A connector chip, in place; false when the page does not show it yet.
  function patchConnector(root, data) {
    if (!root) return false;
    const chip = root.querySelector('[data-connector="' + data.evseId + "-" + data.connectorId + '"]');
    if (!chip) return false;
    chip.dataset.status = data.status || "Unknown";
    chip.title = data.errorCode && data.errorCode !== "NoError" ? data.errorCode : "";
    const label = chip.querySelector('[data-role="status"]');
    if (label) label.textContent = data.status || "Unknown";
    flash(chip);
    return true;
  }

  // --- Overview ---------------------------------------------------------------------------
  function overview() {
    autosubmit();
    function card(assetId) {
      return document.querySelector('.station-card[data-asset-id="' + assetId + '"]');
    }
    openLive(body.dataset.liveUrl, {
      connectivity: function () { refresh("stations"); },
      connector: function (data) {
        markPending("stations");
        if (!patchConnector(card(data.assetId), data)) refresh("stations");
      },
      seen: function (data) {
        markPending("stations");
        const el = card(data.assetId);
        if (el) setTime(el.querySelector('[data-role="last-seen"]'), data.at);
      },
    }, function () { return refresh("stations"); });
  }

  // --- Dashboard --------------------------------------------------------------------------
  // The figures stations change (counts, what is down) are re-read on each change; the charts
  // and availability are of whole days and stay as loaded.
  function dashboard() {
    autosubmit();
    openLive(body.dataset.liveUrl, {
      connectivity: function () { refresh("figures"); },
      connector: function () { refresh("figures"); },
    }, function () { return refresh("figures"); });
  }

  // A site: its counts, map and stations re-read as its stations change (a push for another
  // site's station costs one read of this page's part).
  function site() {
    openLive(body.dataset.liveUrl, {
      connectivity: function () { refresh("site"); },
      connector: function () { refresh("site"); },
    }, function () { return refresh("site"); });
  }

  function autosubmit() {
    document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  // --- Station page -----------------------------------------------------------------------
  const SESSION_ACTIONS = ["StartTransaction", "StopTransaction", "TransactionEvent", "MeterValues"];
  const MESSAGE_TYPES = { 2: "CALL", 3: "CALL_RESULT", 4: "CALL_ERROR", 5: "CALL_RESULT_ERROR", 6: "SEND" };

  function frameElement(data) {
    const direction = data.direction === "fromStation" ? "in" : "out";
    const li = document.createElement("li");
    li.className = "frame frame--" + direction;
    li.dataset.frameId = data.frameId;
    li.dataset.messageId = data.messageId || "";
    const head = document.createElement("div");
    head.className = "frame__head";
    function span(cls, text, tag) {
      const el = document.createElement(tag || "span");
      el.className = cls;
      el.textContent = text;
      head.appendChild(el);
    }
    const type = data.messageType || MESSAGE_TYPES[data.messageTypeId] || "UNREADABLE";
    span("frame__direction", direction === "in" ? "← from station" : "→ to station");
    span("badge badge--" + type, type);
    if (data.action) span("frame__action", data.action, "strong");
    span("frame__id", data.messageId || "", "code");
    head.appendChild(timeElement(data.at));
    li.appendChild(head);
    let text = null;
    if (data.payloadTooLarge) text = "(payload of " + data.payloadTooLarge + " characters: reload the page to read it)";
    else if (data.raw) text = data.raw;
    else if (data.payload !== null && data.payload !== undefined) text = JSON.stringify(data.payload, null, 2);
    if (text !== null) {
      const pre = document.createElement("pre");
      pre.className = "frame__payload";
      pre.textContent = text;
      li.appendChild(pre);
    }
    return li;
  }

  function prependFrame(data) {
    const list = document.getElementById("frames");
    if (!list || list.querySelector('[data-frame-id="' + data.frameId + '"]')) return;
    markPending("frames");
    const none = list.querySelector(".frames__none");
    if (none) none.remove();
    const li = frameElement(data);
    list.insertBefore(li, list.firstChild);
    flash(li);
    const limit = parseInt(list.dataset.limit || "100", 10);
    while (list.children.length > limit) list.removeChild(list.lastChild);
  }

  function station() {
    const consoleUi = window.CsmsConsole ? window.CsmsConsole.setUp() : null;
    openLive(body.dataset.liveUrl, {
      frame: function (data) {
        prependFrame(data);
        if (data.direction === "fromStation") {
          markPending("summary");
          setTime(document.querySelector('#summary [data-role="last-seen"]'), data.at);
        }
        if (SESSION_ACTIONS.indexOf(data.action) >= 0) refresh("sessions");
        if (data.action === "BootNotification") refresh("summary");
        if (consoleUi) consoleUi.frame(data);
      },
      connectivity: function (data) {
        refresh("summary");
        if (consoleUi) consoleUi.online(data.online);
      },
      connector: function (data) {
        markPending("connectors");
        if (!patchConnector(document.querySelector('[data-fragment="connectors"]'), data)) refresh("connectors");
      },
      limits: function () { refresh("limits"); },
    }, function () {
      return Promise.all(["summary", "connectors", "limits", "sessions", "frames"].map(refresh));
    });
  }

  // --- Panel page -------------------------------------------------------------------------
  // A re-balance pushes the new total, every session's share and the chart's new point: the
  // page patches them in; on (re)open, and when a station answers a limit, it re-reads its
  // live part (and the chart's data).
  function amps(value) { return value === null || value === undefined ? "its fallback" : value.toFixed(1) + " A"; }

  function shareRow(share) {
    const tr = document.createElement("tr");
    tr.dataset.assetId = share.assetId;
    tr.dataset.transactionId = share.transactionId;
    function cell(role) {
      const td = document.createElement("td");
      if (role) td.dataset.role = role;
      tr.appendChild(td);
      return td;
    }
    const link = document.createElement("a");
    link.href = "/stations/" + share.assetId + "/";
    link.textContent = share.identity;
    const station = cell();
    station.appendChild(link);
    if (!share.online) station.appendChild(document.createTextNode(" (offline)"));
    cell().textContent = share.evseId || "";
    cell().appendChild(timeElement(share.startedAt));
    cell("limit").textContent = amps(share.limitAmps);
    cell("status").textContent = share.status;
    return tr;
  }

  function rebalanced(data) {
    markPending("live");
    const live = document.getElementById("panel-live");
    const total = live.querySelector('[data-figure="held-total"]');
    total.textContent = data.heldTotal.toFixed(1) + " A";
    flash(total);
    const at = live.querySelector('[data-role="rebalanced-at"]');
    at.replaceChildren(timeElement(data.point.at));
    const body = live.querySelector("#panel-shares tbody");
    body.replaceChildren.apply(body, data.shares.map(shareRow));
    live.querySelector(".table-scroll").hidden = data.shares.length === 0;
    live.querySelector('[data-role="no-sessions"]').hidden = data.shares.length > 0;
    if (window.CsmsCharts) window.CsmsCharts.append("given", data.point.at, [data.point.allocatedAmps, data.point.capacityAmps]);
  }

  function rereadPanel() {
    return refresh("live").then(function () {
      if (window.CsmsCharts) window.CsmsCharts.reread("given");
    });
  }

  function panel() {
    // A station's answer to its limit changes what the panel's sessions hold: re-read.
    openLive(body.dataset.liveUrl, { rebalanced: rebalanced, limits: rereadPanel }, rereadPanel);
  }

  // --- Start ------------------------------------------------------------------------------
  refreshTimes();
  window.setInterval(refreshTimes, 10000);
  if (body.dataset.page === "overview") overview();
  if (body.dataset.page === "station") station();
  if (body.dataset.page === "dashboard") dashboard();
  if (body.dataset.page === "site") site();
  if (body.dataset.page === "panel") panel();
  if (body.dataset.autosubmit !== undefined) autosubmit();
})();
