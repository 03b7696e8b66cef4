/* The station page's console: pick an action of the station's protocol, edit its payload as
   JSON (parsed here before sending; the server checks it against the official schema), send it
   through the same path as POST /ocpp/v2/raw-request, and show the answer. app.js feeds it the
   pushed frames, so the station's answer shows the moment it arrives. */
(function () {
  "use strict";

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

    function showAnswer(messageId, response, invalid) {
      if (invalid) {
        // The station's CALL_RESULT broke the action's official response schema.
        show("invalid_response", "Invalid answer:", "the station's CALL_RESULT to " + messageId +
          " breaks the response schema: " + invalid.message, response.payload);
      } else if (response.messageType === "CALL_RESULT") {
        show("answered", "Answered:", "the station's CALL_RESULT to " + messageId, response.payload);
      } else {
        show("error", "The station answered with an error:",
          (response.errorCode || "") + " " + (response.ErrorDescription || response.errorDescription || ""),
          response.errorDetails);
      }
    }

    function showCall(call) {
      if (call.response) return showAnswer(call.messageId, call.response, call.invalidResponse);
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
        showAnswer(waitingFor, { messageType: "CALL_RESULT", payload: data.payload },
          data.invalidResponse);
        finish();
      },
      online: function (online) {
        const note = document.getElementById("console-offline");
        if (note) note.hidden = !!online;
      },
    };
  }

  window.CsmsConsole = { setUp: setUpConsole };
})();
