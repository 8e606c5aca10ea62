/* The SCORM 1.2 runtime API (window.API) for a package page in the portal's sandboxed
 * player frame. The frame has an opaque origin, so it cannot reach the player page's
 * objects; this script answers the package synchronously from a local copy of the
 * person's values (embedded by the portal as window.__PORTALIS_SCORM__), checks every
 * value the way the server does (portalis_lms/scorm.py: check_value), and hands what
 * changed to the player page with postMessage on LMSCommit and LMSFinish. The server
 * checks everything again and stores it. */
(function () {
  "use strict";
  var cfg = window.__PORTALIS_SCORM__ || { values: {}, origin: "*" };
  var values = cfg.values || {};
  var dirty = {};
  var state = "new";
  var lastError = "0";
  var ERRORS = {
    "0": "No error",
    "101": "General exception",
    "201": "Invalid argument error",
    "202": "Element cannot have children",
    "203": "Element not an array - cannot have count",
    "301": "Not initialized",
    "401": "Not implemented error",
    "402": "Invalid set value, element is a keyword",
    "403": "Element is read only",
    "404": "Element is write only",
    "405": "Incorrect data type"
  };
  var READ_ONLY = {
    "cmi.core.student_id": 1, "cmi.core.student_name": 1, "cmi.core.credit": 1,
    "cmi.core.entry": 1, "cmi.core.total_time": 1, "cmi.core.lesson_mode": 1,
    "cmi.launch_data": 1, "cmi.comments_from_lms": 1, "cmi.student_data.mastery_score": 1,
    "cmi.student_data.max_time_allowed": 1, "cmi.student_data.time_limit_action": 1
  };
  var STATUSES = ["passed", "completed", "failed", "incomplete", "browsed"];
  var OBJECTIVE_STATUSES = STATUSES.concat(["not attempted"]);
  var EXITS = ["time-out", "suspend", "logout", ""];
  var TYPES = ["true-false", "choice", "fill-in", "matching", "performance", "sequencing",
    "likert", "numeric"];
  var RESULTS = ["correct", "wrong", "unanticipated", "neutral"];
  var DECIMAL = /^-?(\d{1,10}(\.\d{0,6})?|\.\d{1,6})$/;
  var TIMESPAN = /^(\d{2,4}):([0-5]\d):([0-5]\d)(\.\d{1,2})?$/;
  var TIME = /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,2})?$/;
  var IDENTIFIER = /^[^\s\x00-\x1f\x7f]{1,255}$/;
  var CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
  var OBJ = /^cmi\.objectives\.(\d{1,4})\.(id|score\.raw|score\.min|score\.max|status)$/;
  var INT = /^cmi\.interactions\.(\d{1,4})\.(id|time|type|weighting|student_response|result|latency|objectives\.(\d{1,4})\.id|correct_responses\.(\d{1,4})\.pattern)$/;
  var INT_COUNT = /^cmi\.interactions\.(\d{1,4})\.(objectives|correct_responses)\._count$/;

  function inList(list, v) { return list.indexOf(v) !== -1; }
  function decimal(v, low, high) {
    if (!DECIMAL.test(v)) { return false; }
    var n = parseFloat(v);
    return (low === undefined || n >= low) && (high === undefined || n <= high);
  }
  function string(v, limit) { return v.length <= limit && !CONTROL.test(v); }
  function count(name) { return parseInt(values[name] || "0", 10) || 0; }
  function ok(test) { return test ? 0 : 405; }

  function check(el, v) {
    if (typeof el !== "string" || el.length > 255) { return 201; }
    if (/\._children$/.test(el) || /\._count$/.test(el)) {
      return (el in values) || INT_COUNT.test(el) ? 402 : 201;
    }
    if (READ_ONLY[el]) { return 403; }
    switch (el) {
      case "cmi.core.lesson_status": return ok(inList(STATUSES, v));
      case "cmi.core.score.raw":
      case "cmi.core.score.min":
      case "cmi.core.score.max": return ok(v === "" || decimal(v, 0, 100));
      case "cmi.core.session_time": return ok(TIMESPAN.test(v));
      case "cmi.core.exit": return ok(inList(EXITS, v));
      case "cmi.core.lesson_location": return ok(string(v, 255));
      case "cmi.suspend_data":
      case "cmi.comments": return ok(string(v, 4096));
      case "cmi.student_preference.audio": return ok(decimal(v, -1, 100) && v.indexOf(".") < 0);
      case "cmi.student_preference.speed": return ok(decimal(v, -100, 100) && v.indexOf(".") < 0);
      case "cmi.student_preference.text": return ok(inList(["-1", "0", "1"], v));
      case "cmi.student_preference.language": return ok(string(v, 255));
    }
    var m = OBJ.exec(el);
    if (m) {
      if (+m[1] >= 100 || +m[1] > count("cmi.objectives._count")) { return 201; }
      if (m[2] === "id") { return ok(IDENTIFIER.test(v)); }
      if (m[2] === "status") { return ok(inList(OBJECTIVE_STATUSES, v)); }
      return ok(v === "" || decimal(v, 0, 100));
    }
    m = INT.exec(el);
    if (m) {
      var n = +m[1];
      if (n >= 250 || n > count("cmi.interactions._count")) { return 201; }
      if (m[3] !== undefined || m[4] !== undefined) {
        var kind = m[3] !== undefined ? "objectives" : "correct_responses";
        var sub = +(m[3] !== undefined ? m[3] : m[4]);
        if (sub >= 50 || sub > count("cmi.interactions." + n + "." + kind + "._count")) { return 201; }
        return kind === "objectives" ? ok(IDENTIFIER.test(v)) : ok(string(v, 255));
      }
      switch (m[2]) {
        case "id": return ok(IDENTIFIER.test(v));
        case "time": return ok(TIME.test(v));
        case "type": return ok(inList(TYPES, v));
        case "weighting": return ok(decimal(v));
        case "student_response": return ok(string(v, 255));
        case "result": return ok(inList(RESULTS, v) || decimal(v));
        default: return ok(TIMESPAN.test(v));
      }
    }
    if (/^cmi\.(objectives|interactions)\./.test(el)) { return 201; }
    return /^cmi\./.test(el) ? 401 : 201;
  }

  function grow(el) {
    var m = /^cmi\.(objectives|interactions)\.(\d+)\./.exec(el);
    if (!m) { return; }
    var key = "cmi." + m[1] + "._count";
    if (+m[2] >= count(key)) { values[key] = String(+m[2] + 1); }
    var s = /^cmi\.interactions\.(\d+)\.(objectives|correct_responses)\.(\d+)\./.exec(el);
    if (s) {
      var sk = "cmi.interactions." + s[1] + "." + s[2] + "._count";
      if (+s[3] >= count(sk)) { values[sk] = String(+s[3] + 1); }
    }
  }

  function writeOnly(el) {
    return el === "cmi.core.exit" || el === "cmi.core.session_time" ||
      (/^cmi\.interactions\.\d+\./.test(el) && !/\._count$/.test(el));
  }

  function send(kind) {
    var message = { portalisScorm: 1, kind: kind, values: dirty };
    dirty = {};
    try { window.parent.postMessage(message, cfg.origin || "*"); } catch (e) { /* no player */ }
  }

  function fail(code) { lastError = String(code); return "false"; }

  var api = {
    LMSInitialize: function (arg) {
      if (arg !== "" && arg !== undefined) { return fail(201); }
      if (state !== "new") { return fail(101); }
      state = "running";
      lastError = "0";
      // as the server records it: a started package is "incomplete" until it says more
      if (values["cmi.core.lesson_status"] === "not attempted") {
        values["cmi.core.lesson_status"] = "incomplete";
      }
      send("initialize");
      return "true";
    },
    LMSFinish: function (arg) {
      if (arg !== "" && arg !== undefined) { return fail(201); }
      if (state !== "running") { return fail(301); }
      state = "finished";
      lastError = "0";
      send("finish");
      return "true";
    },
    LMSGetValue: function (el) {
      if (state !== "running") { lastError = "301"; return ""; }
      el = String(el);
      if (writeOnly(el)) { lastError = "404"; return ""; }
      if (Object.prototype.hasOwnProperty.call(values, el)) { lastError = "0"; return String(values[el]); }
      if (OBJ.test(el) && +OBJ.exec(el)[1] < count("cmi.objectives._count")) { lastError = "0"; return ""; }
      lastError = /^cmi\./.test(el) && !/^cmi\.(objectives|interactions)\./.test(el) ? "401" : "201";
      return "";
    },
    LMSSetValue: function (el, v) {
      if (state !== "running") { return fail(301); }
      el = String(el);
      v = v === undefined || v === null ? "" : String(v);
      var code = check(el, v);
      if (code) { return fail(code); }
      values[el] = v;
      dirty[el] = v;
      grow(el);
      lastError = "0";
      return "true";
    },
    LMSCommit: function (arg) {
      if (arg !== "" && arg !== undefined) { return fail(201); }
      if (state !== "running") { return fail(301); }
      lastError = "0";
      send("commit");
      return "true";
    },
    LMSGetLastError: function () { return lastError; },
    LMSGetErrorString: function (code) { return ERRORS[String(code)] || ""; },
    LMSGetDiagnostic: function (code) {
      return ERRORS[String(code === "" || code === undefined ? lastError : code)] || "";
    }
  };
  // A package's own global "var API = null" (common in SCO code written for an API in
  // the parent window) must not wipe the runtime out: assignments are ignored.
  try {
    Object.defineProperty(window, "API", {
      get: function () { return api; },
      set: function () { /* ignored */ },
      configurable: false
    });
  } catch (e) {
    window.API = api;
  }
  window.addEventListener("pagehide", function () {
    if (state === "running" && Object.keys(dirty).length) { send("commit"); }
  });
})();
