/* The operator's web UI: live pushes over one WebSocket per page, relative times, the console.
   Plain JavaScript, no dependencies. The server renders every page; this file only keeps it
   fresh: pushes patch it in place or re-read a part of it (?fragment=NAME). */
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
    document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
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
    const consoleUi = setUpConsole();
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
    }, function () {
      return Promise.all(["summary", "connectors", "sessions", "frames"].map(refresh));
    });
  }

  // --- Console ----------------------------------------------------------------------------
  function setUpConsole() {
    const form = document.getElementById("console-form");
    if (!form) return null;
    const action = document.getElementById("console-action");
    const payload = document.getElementById("console-payload");
    const result = document.getElementById("console-result");
    const sendButton = document.getElementById("console-send");
    const templatesEl = document.getElementById("payload-templates");
    const templates = templatesEl ? JSON.parse(templatesEl.textContent) : {};
    let waitingFor = null;
    let pollTimer = null;

    function useTemplate() {
      payload.value = JSON.stringify(templates[action.value] || {}, null, 2);
    }
    useTemplate();
    action.addEventListener("change", useTemplate);
    document.getElementById("console-template").addEventListener("click", useTemplate);

    function show(state, title, detail, pretty) {
      result.hidden = false;
      result.dataset.state = state;
      result.textContent = "";
      const strong = document.createElement("strong");
      strong.textContent = title;
      result.appendChild(strong);
      if (detail) result.appendChild(document.createTextNode(" " + detail));
      if (pretty !== undefined) {
        const pre = document.createElement("pre");
        pre.textContent = JSON.stringify(pretty, null, 2);
        result.appendChild(pre);
      }
    }

    function showAnswer(messageId, response) {
      if (response.messageType === "CALL_RESULT") {
        show("answered", "Answered:", "the station's CALL_RESULT to " + messageId, response.payload);
      } else {
        show("error", "The station answered with an error:",
          (response.errorCode || "") + " " + (response.ErrorDescription || response.errorDescription || ""),
          response.errorDetails);
      }
    }

    function showCall(call) {
      if (call.response) return showAnswer(call.messageId, call.response);
      if (call.state === "timed_out") {
        return show("timed_out", "No answer:", "the station did not answer " + call.action + " within " + call.timeoutSeconds + " s.");
      }
      if (call.state === "failed") {
        return show("failed", "Not delivered:", call.action + " failed (" + (call.failureReason || "failed") + ").");
      }
      show(call.state, call.state === "queued" ? "Queued:" : "Sent:",
        call.action + " (" + call.messageId + "), waiting for the station's answer…");
    }

    function finish() {
      waitingFor = null;
      window.clearTimeout(pollTimer);
      sendButton.disabled = false;
    }

    // The answer comes as a pushed frame; reading the call covers timeouts, failures and a
    // push missed while the socket was down.
    function poll(messageId) {
      pollTimer = window.setTimeout(function () {
        if (waitingFor !== messageId) return;
        const url = form.dataset.callUrl.replace("MESSAGE_ID", encodeURIComponent(messageId));
        fetch(url, { credentials: "same-origin" })
          .then(function (response) { return response.json(); })
          .then(function (body) {
            if (waitingFor !== messageId) return;
            showCall(body.call);
            if (body.call.final) finish(); else poll(messageId);
          })
          .catch(function () { poll(messageId); });
      }, 1500);
    }

    function refuse(message, field) {
      show("refused", "Not sent:", message + (field ? " (field: " + field + ")" : ""));
      sendButton.disabled = false;
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      let parsed;
      try {
        parsed = JSON.parse(payload.value);
      } catch (error) {
        return refuse("the payload is not valid JSON: " + error.message);
      }
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        return refuse("the payload must be a JSON object, e.g. {}.");
      }
      finish();
      sendButton.disabled = true;
      show("sending", "Sending", action.value + "…");
      fetch(form.dataset.sendUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value,
        },
        body: JSON.stringify({ action: action.value, payload: parsed }),
      })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (answer) {
          if (!answer.ok) {
            const error = answer.body.error || {};
            return refuse(error.message || "refused.", (error.details || {}).field);
          }
          waitingFor = answer.body.call.messageId;
          showCall(answer.body.call);
          poll(waitingFor);
        })
        .catch(function (error) { refuse("the server could not be reached (" + error.message + ")."); });
    });

    return {
      frame: function (data) {
        const answered = data.direction === "fromStation" &&
          (data.messageType === "CALL_RESULT" || data.messageType === "CALL_ERROR");
        if (!waitingFor || !answered || data.messageId !== waitingFor) return;
        // A CALL_ERROR's code and description come with the call, read by the next poll.
        if (data.messageType !== "CALL_RESULT") return;
        showAnswer(waitingFor, { messageType: "CALL_RESULT", payload: data.payload });
        finish();
      },
      online: function (online) {
        const note = document.getElementById("console-offline");
        if (note) note.hidden = !!online;
      },
    };
  }

  // --- Start ------------------------------------------------------------------------------
  refreshTimes();
  window.setInterval(refreshTimes, 10000);
  if (body.dataset.page === "overview") overview();
  if (body.dataset.page === "station") station();
})();
