/* The SCORM player page: hands what the package's runtime (in the sandboxed frame) reports
 * to the server, and shows the answer. Only messages from this page's own frame count. */
(function () {
  "use strict";
  var box = document.getElementById("scorm-player");
  var frame = document.getElementById("scorm-frame");
  var status = document.getElementById("scorm-status");
  if (!box || !frame || !status) { return; }
  var session = Math.random().toString(36).slice(2) + Date.now().toString(36);
  var queue = Promise.resolve();

  function show(text, kind) {
    status.textContent = text;
    status.className = "alert " + (kind === "error" ? "alert-error" : kind === "done" ? "alert-success" : "alert-info");
    status.hidden = false;
  }

  function send(message) {
    var body = JSON.stringify({
      values: message.values || {},
      finish: message.kind === "finish",
      session: session
    });
    return fetch(box.getAttribute("data-commit-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": box.getAttribute("data-csrf")
      },
      body: body
    }).then(function (resp) {
      return resp.json().then(function (data) {
        if (!resp.ok) { show(data.error || box.getAttribute("data-failed"), "error"); return; }
        if (message.kind === "initialize" && !Object.keys(message.values || {}).length) { return; }
        show(data.message, data.done ? "done" : "info");
        var last = document.getElementById("scorm-last");
        if (last) { last.hidden = true; }  // the alert says what is current
        if (data.lesson_completed || data.course_completed) {
          var done = document.getElementById("scorm-done");
          if (done) { done.hidden = false; }
        }
      });
    }).catch(function () { show(box.getAttribute("data-failed"), "error"); });
  }

  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow) { return; }
    var data = event.data;
    if (!data || data.portalisScorm !== 1) { return; }
    if (["initialize", "commit", "finish"].indexOf(data.kind) < 0) { return; }
    var preview = box.getAttribute("data-preview");
    if (preview) {  // staff trying the package: show what it said, record nothing
      var status = (data.values || {})["cmi.core.lesson_status"];
      if (status) { show(preview.replace("%(status)s", status), "info"); }
      return;
    }
    queue = queue.then(function () { return send(data); });
  });
})();
