"""SCORM 1.2 packages: importing one, and the runtime data model its pages talk to.

**Import** (:func:`import_package`): the zip is unpacked by the core
(:func:`portalis.api.unpack_package`: no traversal, links, bombs or too many files), then
``imsmanifest.xml`` at its top is read with defusedxml and must be SCORM 1.2 (its
``schemaversion`` says 1.2, or it uses the ADL SCORM 1.2 namespace). The launch file is the
first item of the default organization that points (``identifierref``) at a resource of
``adlcp:scormtype="sco"``; its ``href`` (with every ``xml:base`` on the way) must name a
file inside the package. ``adlcp:masteryscore`` is kept. Anything else is refused with a
:class:`PackageRefused` whose message says what is wrong, and nothing is kept.

**Runtime** (:func:`commit`): the package's pages call the SCORM 1.2 API (``LMSSetValue``
…) of a small script the portal puts in them (``static/scorm_runtime.js``); it checks every
value as this module does and sends the changed values to the server on ``LMSCommit``
and ``LMSFinish``. The server checks them again (:func:`check_value`) — never trusting the
browser — and stores them in the person's :class:`ScormAttempt` (one per run and lesson),
or refuses the whole commit (:class:`ScormValueError`, a 422) and stores nothing.

When is the lesson done? When the stored ``cmi.core.lesson_status`` is "passed" or
"completed" — with one SCORM 1.2 rule on top: where the manifest gives a mastery score and
the package reported a raw score with a status of "completed", "passed" or "failed", the
score decides: at least the mastery score is "passed", below it "failed". The lesson then
counts through :func:`progress.complete_lesson` (and may complete the course). A later
"failed" never takes a completed lesson back.

``cmi.core.total_time`` is the sum of each session's ``cmi.core.session_time``: a session
is one opening of the player; when a package reports its session time several times, the
latest value of that session counts, once.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portalis import api

from . import progress
from .i18n import _
from .models import SCORM_KIND, Enrolment, Lesson, ScormAttempt, ScormPackage

PackageRefused = api.PackageRefused

MANIFEST = "imsmanifest.xml"
_MAX_MANIFEST = 2 * 1024 * 1024
_ADLCP_12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


# --- import ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Manifest:
    title: str
    launch_path: str
    mastery_score: int | None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el: Element, name: str) -> list[Element]:
    return [c for c in el if _local(c.tag) == name]


def _child(el: Element, name: str) -> Element | None:
    found = _children(el, name)
    return found[0] if found else None


def _attr(el: Element, name: str) -> str | None:
    """An attribute by local name, any namespace, any case (``scormType``/``scormtype``)."""
    wanted = name.lower()
    for key, value in el.attrib.items():
        if _local(key).lower() == wanted:
            return value
    return None


def _text(el: Element | None) -> str:
    return (el.text or "").strip() if el is not None else ""


def _outside() -> PackageRefused:
    return PackageRefused(
        _("The package's manifest points to a file outside the package. Fix its launch file.")
    )


def _launch_path(href: str, bases: list[str]) -> str:
    """The launch file relative to the package folder (plus its query): ``href`` resolved
    against the ``xml:base`` values on the way (outermost first). Anything that is not a
    relative path staying inside the package is refused."""
    folder: list[str] = []
    parts = [b for b in bases if (b or "").strip()] + [href]
    final: list[str] = []
    query = ""
    for index, raw in enumerate(parts):
        part = raw.strip()
        split = urlsplit(part)
        path = unquote(split.path)
        if (
            "\\" in part
            or "\\" in path
            or re.search(r"[\x00-\x1f\x7f]", path)
            or split.scheme
            or split.netloc
            or path.startswith("/")
            or part.startswith("/")
        ):
            raise _outside()
        resolved: list[str] = []
        for piece in [*folder, *path.split("/")]:
            if piece in ("", "."):
                continue
            if piece == "..":
                if not resolved:
                    raise _outside()
                resolved.pop()
                continue
            resolved.append(piece)
        if index == len(parts) - 1:
            final, query = resolved, split.query
        else:
            folder = resolved if path.endswith("/") else resolved[:-1]
    if not final:
        raise _outside()
    return "/".join(final) + (f"?{query}" if query else "")


def parse_manifest(data: bytes) -> Manifest:
    """The title, launch file and mastery score of a SCORM 1.2 manifest (no file checks)."""
    not_scorm = _("This zip is not a SCORM 1.2 package: its imsmanifest.xml could not be read.")
    try:
        root = fromstring(data)
    except (ParseError, DefusedXmlException, ValueError, UnicodeError) as exc:
        raise PackageRefused(not_scorm) from exc
    if _local(root.tag) != "manifest":
        raise PackageRefused(not_scorm)
    metadata = _child(root, "metadata")
    version = _text(_child(metadata, "schemaversion")) if metadata is not None else ""
    uses_12_namespace = _ADLCP_12 in data.decode("utf-8", "replace")
    if version and version != "1.2":
        raise PackageRefused(
            _(
                "This package is SCORM version %(version)s; only SCORM 1.2 packages are "
                "accepted. Export it as SCORM 1.2.",
                version=version[:40],
            )
        )
    if not version and not uses_12_namespace:
        raise PackageRefused(
            _(
                "This package does not say it is SCORM 1.2 (no schema version 1.2 and no "
                "ADL SCORM 1.2 namespace in imsmanifest.xml). Export it as SCORM 1.2."
            )
        )
    organizations = _child(root, "organizations")
    orgs = _children(organizations, "organization") if organizations is not None else []
    if not orgs:
        raise PackageRefused(_("The package's manifest has no organization to launch."))
    default = _attr(organizations, "default") if organizations is not None else None
    org = next((o for o in orgs if default and _attr(o, "identifier") == default), orgs[0])
    resources_el = _child(root, "resources")
    resources = {
        _attr(r, "identifier") or "": r
        for r in (_children(resources_el, "resource") if resources_el is not None else [])
    }

    def items(el: Element) -> list[Element]:
        found: list[Element] = []
        for item in _children(el, "item"):
            found.append(item)
            found.extend(items(item))
        return found

    for item in items(org):
        ref = _attr(item, "identifierref")
        resource = resources.get(ref or "")
        if resource is None or (_attr(resource, "scormtype") or "").lower() != "sco":
            continue
        href = _attr(resource, "href")
        if not href:
            raise PackageRefused(_("The package's first SCO names no launch file."))
        bases = [
            root.get(_XML_BASE, ""),
            resources_el.get(_XML_BASE, "") if resources_el is not None else "",
            resource.get(_XML_BASE, ""),
        ]
        launch = _launch_path(href, bases)
        mastery = _text(_child(item, "masteryscore"))
        score: int | None = None
        if mastery:
            try:
                value = Decimal(mastery)
            except InvalidOperation:
                value = Decimal(-1)
            if not value.is_finite() or not 0 <= value <= 100:
                raise PackageRefused(
                    _(
                        "The manifest's mastery score (%(value)s) is not a number from 0 to 100.",
                        value=mastery[:20],
                    )
                )
            score = int(value.to_integral_value())
        title = _text(_child(org, "title")) or _text(_child(item, "title"))
        return Manifest(title[:200], launch, score)
    raise PackageRefused(
        _('The package\'s manifest has no SCO (a resource with adlcp:scormtype="sco") to launch.')
    )


def _inspect(folder: Path) -> Manifest:
    manifest = folder / MANIFEST
    if not manifest.is_file():
        nested = sorted(folder.glob(f"*/{MANIFEST}"))
        if nested:
            raise PackageRefused(
                _(
                    "imsmanifest.xml must be at the top of the zip, not in the folder "
                    "%(folder)s. Zip the package's contents, not its folder.",
                    folder=nested[0].parent.name[:80],
                )
            )
        raise PackageRefused(
            _("This zip is not a SCORM package: it has no imsmanifest.xml at its top.")
        )
    if manifest.stat().st_size > _MAX_MANIFEST:
        raise PackageRefused(_("The package's imsmanifest.xml is too large."))
    parsed = parse_manifest(manifest.read_bytes())
    launch = parsed.launch_path.split("?", 1)[0]
    target = folder.joinpath(*launch.split("/"))
    try:
        inside = target.resolve(strict=True).is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        inside = False
    if not inside or not target.is_file():
        raise PackageRefused(
            _(
                "The package's launch file %(file)s is not in the package.",
                file=launch[:120],
            )
        )
    return parsed


def import_package(
    course_id: int, stream: IO[bytes], filename: str, uploaded_by_id: int | None
) -> ScormPackage:
    """Check and keep an uploaded SCORM 1.2 zip for ``course_id``; raises
    :class:`PackageRefused` (a translated message) and then keeps nothing. The caller
    commits (a rollback removes the unpacked folder)."""
    unpacked = api.unpack_package(stream, kind=SCORM_KIND, inspect=_inspect)
    folder = unpacked.folder
    api.on_rollback(lambda: api.remove_package(SCORM_KIND, folder))
    manifest: Manifest = unpacked.inspected
    clean = api.clean_filename(filename, fallback="package.zip")
    package = ScormPackage(
        course_id=course_id,
        folder=folder,
        title=manifest.title or clean.rsplit(".", 1)[0][:200] or "SCORM",
        launch_path=manifest.launch_path,
        filename=clean,
        file_count=unpacked.file_count,
        total_size=unpacked.total_size,
        mastery_score=manifest.mastery_score,
        uploaded_by_id=uploaded_by_id,
    )
    api.session.add(package)
    api.session.flush()
    api.audit(
        "lms.scorm_imported",
        "lms_scorm_package",
        package.id,
        after={"course": course_id, "file": clean, "files": unpacked.file_count},
    )
    return package


def remove_package_files(package: ScormPackage) -> None:
    """Delete the package's folder once the transaction that drops its row commits."""
    folder = package.folder
    api.on_commit(lambda: api.remove_package(SCORM_KIND, folder))


# --- a real minimal package for tests and the demo ---------------------------------------

_SAMPLE_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="portalis.sample" version="1.0"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd
      http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="org1">
    <organization identifier="org1">
      <title>{title}</title>
      <item identifier="item1" identifierref="res1" isvisible="true">
        <title>{title}</title>{mastery}
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res1" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/>
      <file href="sco.js"/>
    </resource>
  </resources>
</manifest>
"""

_SAMPLE_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #1f2937; }}
button {{ font-size: 1rem; padding: .5rem 1.25rem; margin-inline-end: .5rem; cursor: pointer; }}
#status {{ margin-block-start: 1rem; font-weight: 600; }}
</style>
<script src="sco.js"></script>
</head>
<body>
<h1>{title}</h1>
<p>This is a sample SCORM 1.2 lesson. Choose an outcome to report to the portal.</p>
<p><button type="button" id="pass">Pass</button><button type="button" id="fail">Fail</button></p>
<p id="status" role="status">Connecting…</p>
</body>
</html>
"""

_SAMPLE_JS = r"""// A minimal SCO: finds the LMS API the ADL way and reports pass or fail.
var lms = null;
var started = new Date();
function findAPI(win) {
  var tries = 0;
  while (win.API == null && win.parent != null && win.parent != win) {
    tries++;
    if (tries > 7) { return null; }
    win = win.parent;
  }
  return win.API;
}
function getAPI() {
  var api = null;
  try { api = findAPI(window); } catch (e) { api = null; }
  if (api == null && window.opener != null && typeof window.opener != "undefined") {
    try { api = findAPI(window.opener); } catch (e) { api = null; }
  }
  return api;
}
function pad(n) { return (n < 10 ? "0" : "") + n; }
function sessionTime() {
  var s = Math.max(0, Math.round((new Date() - started) / 1000));
  return pad(Math.floor(s / 3600)) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
}
function show(text) { document.getElementById("status").textContent = text; }
function report(passed) {
  if (lms == null) { show("No LMS connection."); return; }
  lms.LMSSetValue("cmi.core.score.min", "0");
  lms.LMSSetValue("cmi.core.score.max", "100");
  lms.LMSSetValue("cmi.core.score.raw", passed ? "90" : "40");
  lms.LMSSetValue("cmi.core.lesson_status", passed ? "passed" : "failed");
  lms.LMSSetValue("cmi.core.session_time", sessionTime());
  lms.LMSSetValue("cmi.core.exit", "");
  var ok = lms.LMSCommit("") == "true";
  lms.LMSFinish("");
  lms = null;
  show(ok ? (passed ? "Passed — score 90." : "Failed — score 40.") : "The result could not be saved.");
  document.getElementById("pass").disabled = true;
  document.getElementById("fail").disabled = true;
}
window.addEventListener("load", function () {
  lms = getAPI();
  if (lms == null) { show("No LMS connection."); return; }
  if (lms.LMSInitialize("") != "true") { show("The LMS refused to start."); lms = null; return; }
  var status = lms.LMSGetValue("cmi.core.lesson_status");
  show("Status: " + status);
  document.getElementById("pass").addEventListener("click", function () { report(true); });
  document.getElementById("fail").addEventListener("click", function () { report(false); });
});
"""


def _xml_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sample_package(title: str = "Product basics", mastery_score: int | None = 80) -> bytes:
    """A real minimal SCORM 1.2 package (manifest, page, script) whose page has "Pass" and
    "Fail" buttons that report through the runtime API."""
    mastery = (
        f"\n        <adlcp:masteryscore>{int(mastery_score)}</adlcp:masteryscore>"
        if mastery_score is not None
        else ""
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(MANIFEST, _SAMPLE_MANIFEST.format(title=_xml_text(title), mastery=mastery))
        z.writestr("index.html", _SAMPLE_HTML.format(title=_xml_text(title)))
        z.writestr("sco.js", _SAMPLE_JS)
    return buf.getvalue()


# --- the runtime data model --------------------------------------------------------------

STATUSES = ("passed", "completed", "failed", "incomplete", "browsed", "not attempted")
#: What a package may set (SCORM 1.2 forbids it "not attempted").
SETTABLE_STATUSES = STATUSES[:-1]
EXITS = ("time-out", "suspend", "logout", "")
INTERACTION_TYPES = (
    "true-false",
    "choice",
    "fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
)
RESULTS = ("correct", "wrong", "unanticipated", "neutral")
OBJECTIVE_STATUSES = STATUSES
#: Done statuses: the lesson counts.
DONE = ("passed", "completed")
MAX_INTERACTIONS = 250
MAX_OBJECTIVES = 100
MAX_DATA_KEYS = 3000

#: Error codes of the SCORM 1.2 API (LMSGetLastError).
NO_ERROR = 0
INVALID_ARGUMENT = 201
NOT_AN_ARRAY = 203
NOT_IMPLEMENTED = 401
KEYWORD = 402
READ_ONLY = 403
WRITE_ONLY = 404
WRONG_TYPE = 405

CHILDREN = {
    "cmi.core._children": "student_id,student_name,lesson_location,credit,lesson_status,"
    "entry,score,total_time,lesson_mode,exit,session_time",
    "cmi.core.score._children": "raw,min,max",
    "cmi.objectives._children": "id,score,status",
    "cmi.student_data._children": "mastery_score,max_time_allowed,time_limit_action",
    "cmi.student_preference._children": "audio,language,speed,text",
    "cmi.interactions._children": "id,objectives,time,type,correct_responses,weighting,"
    "student_response,result,latency",
}
READ_ONLY_ELEMENTS = frozenset(
    {
        "cmi.core.student_id",
        "cmi.core.student_name",
        "cmi.core.credit",
        "cmi.core.entry",
        "cmi.core.total_time",
        "cmi.core.lesson_mode",
        "cmi.launch_data",
        "cmi.comments_from_lms",
        "cmi.student_data.mastery_score",
        "cmi.student_data.max_time_allowed",
        "cmi.student_data.time_limit_action",
    }
)

_DECIMAL = re.compile(r"-?(\d{1,10}(\.\d{0,6})?|\.\d{1,6})")
_TIMESPAN = re.compile(r"(\d{2,4}):([0-5]\d):([0-5]\d)(\.\d{1,2})?")
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,2})?")
_IDENTIFIER = re.compile(r"[^\s\x00-\x1f\x7f]{1,255}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_OBJ = re.compile(r"cmi\.objectives\.(\d{1,4})\.(id|score\.raw|score\.min|score\.max|status)")
_OBJ_COUNT = re.compile(r"cmi\.objectives\.(\d{1,4})\..*")
_INT = re.compile(
    r"cmi\.interactions\.(\d{1,4})\.(id|time|type|weighting|student_response|result|latency"
    r"|objectives\.(\d{1,4})\.id|correct_responses\.(\d{1,4})\.pattern)"
)
_INT_READ = re.compile(r"cmi\.interactions\.(\d{1,4})\.(objectives|correct_responses)\._count")


def _decimal(value: str, low: float | None = None, high: float | None = None) -> bool:
    if not _DECIMAL.fullmatch(value):
        return False
    number = Decimal(value)
    return (low is None or number >= Decimal(str(low))) and (
        high is None or number <= Decimal(str(high))
    )


def _string(value: str, limit: int) -> bool:
    return len(value) <= limit and not _CONTROL.search(value)


def timespan_seconds(value: str) -> float | None:
    """A CMITimespan (``HHHH:MM:SS.SS``) in seconds, or ``None`` if it is not one."""
    match = _TIMESPAN.fullmatch(value or "")
    if not match:
        return None
    hours, minutes, seconds, fraction = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds) + float(fraction or 0)


def format_timespan(seconds: int) -> str:
    seconds = max(0, min(int(seconds), 9999 * 3600 + 3599))
    return f"{seconds // 3600:04d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _count(data: Mapping[str, str], prefix: str) -> int:
    """How many entries an array (``cmi.interactions.``) holds in ``data``."""
    pattern = re.compile(re.escape(prefix) + r"(\d+)\.")
    indexes = {int(m.group(1)) for key in data if (m := pattern.match(key))}
    return max(indexes) + 1 if indexes else 0


def check_value(element: str, value: Any, data: Mapping[str, str]) -> int:
    """The SCORM 1.2 error code of ``LMSSetValue(element, value)`` (0: fine), given the
    values stored so far (``data``: every cmi element by name, for array counts)."""
    if not isinstance(element, str) or not isinstance(value, str) or len(element) > 255:
        return INVALID_ARGUMENT
    if element.endswith("._children") or element.endswith("._count"):
        known = element in CHILDREN or element in (
            "cmi.interactions._count",
            "cmi.objectives._count",
        )
        return KEYWORD if known or _INT_READ.fullmatch(element) else INVALID_ARGUMENT
    if element in READ_ONLY_ELEMENTS:
        return READ_ONLY
    if element == "cmi.core.lesson_status":
        return NO_ERROR if value in SETTABLE_STATUSES else WRONG_TYPE
    if element in ("cmi.core.score.raw", "cmi.core.score.min", "cmi.core.score.max"):
        return NO_ERROR if value == "" or _decimal(value, 0, 100) else WRONG_TYPE
    if element == "cmi.core.session_time":
        return NO_ERROR if timespan_seconds(value) is not None else WRONG_TYPE
    if element == "cmi.core.exit":
        return NO_ERROR if value in EXITS else WRONG_TYPE
    if element == "cmi.core.lesson_location":
        return NO_ERROR if _string(value, 255) else WRONG_TYPE
    if element == "cmi.suspend_data":
        return NO_ERROR if _string(value, 4096) else WRONG_TYPE
    if element == "cmi.comments":
        return NO_ERROR if _string(value, 4096) else WRONG_TYPE
    if element == "cmi.student_preference.audio":
        return NO_ERROR if _decimal(value, -1, 100) and "." not in value else WRONG_TYPE
    if element == "cmi.student_preference.speed":
        return NO_ERROR if _decimal(value, -100, 100) and "." not in value else WRONG_TYPE
    if element == "cmi.student_preference.text":
        return NO_ERROR if value in ("-1", "0", "1") else WRONG_TYPE
    if element == "cmi.student_preference.language":
        return NO_ERROR if _string(value, 255) else WRONG_TYPE
    if match := _OBJ.fullmatch(element):
        n = int(match.group(1))
        if n >= MAX_OBJECTIVES or n > _count(data, "cmi.objectives."):
            return INVALID_ARGUMENT
        field = match.group(2)
        if field == "id":
            return NO_ERROR if _IDENTIFIER.fullmatch(value) else WRONG_TYPE
        if field == "status":
            return NO_ERROR if value in OBJECTIVE_STATUSES else WRONG_TYPE
        return NO_ERROR if value == "" or _decimal(value, 0, 100) else WRONG_TYPE
    if match := _INT.fullmatch(element):
        n = int(match.group(1))
        if n >= MAX_INTERACTIONS or n > _count(data, "cmi.interactions."):
            return INVALID_ARGUMENT
        field = match.group(2)
        if match.group(3) is not None or match.group(4) is not None:
            sub = int(match.group(3) or match.group(4))
            kind = "objectives" if match.group(3) is not None else "correct_responses"
            if sub >= 50 or sub > _count(data, f"cmi.interactions.{n}.{kind}."):
                return INVALID_ARGUMENT
            if kind == "objectives":
                return NO_ERROR if _IDENTIFIER.fullmatch(value) else WRONG_TYPE
            return NO_ERROR if _string(value, 255) else WRONG_TYPE
        if field == "id":
            return NO_ERROR if _IDENTIFIER.fullmatch(value) else WRONG_TYPE
        if field == "time":
            return NO_ERROR if _TIME.fullmatch(value) else WRONG_TYPE
        if field == "type":
            return NO_ERROR if value in INTERACTION_TYPES else WRONG_TYPE
        if field == "weighting":
            return NO_ERROR if _decimal(value) else WRONG_TYPE
        if field == "student_response":
            return NO_ERROR if _string(value, 255) else WRONG_TYPE
        if field == "result":
            return NO_ERROR if value in RESULTS or _decimal(value) else WRONG_TYPE
        return NO_ERROR if timespan_seconds(value) is not None else WRONG_TYPE  # latency
    if _OBJ_COUNT.fullmatch(element) or element.startswith("cmi.interactions."):
        return INVALID_ARGUMENT
    return NOT_IMPLEMENTED if element.startswith("cmi.") else INVALID_ARGUMENT


def error_message(code: int, element: str, value: str) -> str:
    """What a refused value means, for the person (the player page shows it)."""
    element = element[:80]
    shown = value if len(value) <= 40 else value[:40] + "…"
    if code == READ_ONLY:
        return _(
            "The course package tried to change %(element)s, which it may only read.",
            element=element,
        )
    if code == KEYWORD:
        return _(
            "The course package tried to set %(element)s, which cannot be set.", element=element
        )
    if code == WRONG_TYPE:
        return _(
            "The course package sent a value SCORM 1.2 does not allow for %(element)s: "
            "“%(value)s”. Nothing was saved.",
            element=element,
            value=shown,
        )
    return _(
        "The course package sent %(element)s, which is not part of the SCORM 1.2 data "
        "model. Nothing was saved.",
        element=element,
    )


class ScormValueError(ValueError):
    """A commit refused as a whole: ``str()`` is the translated message, ``code`` the
    SCORM error code, ``element`` the first value at fault."""

    def __init__(self, message: str, code: int, element: str) -> None:
        super().__init__(message)
        self.code = code
        self.element = element


@dataclass(frozen=True)
class CommitResult:
    status: str
    score: Decimal | None
    lesson_completed: bool
    course_completed: bool


def _stored_data(attempt: ScormAttempt | None) -> dict[str, str]:
    """The attempt's values by cmi element (columns and ``data`` together)."""
    if attempt is None:
        return {}
    data = {k: v for k, v in (attempt.data or {}).items() if k.startswith("cmi.")}
    return data


def attempt_for(run: Enrolment, lesson: Lesson, *, lock: bool = False) -> ScormAttempt | None:
    stmt = select(ScormAttempt).where(
        ScormAttempt.enrolment_id == run.id, ScormAttempt.lesson_id == lesson.id
    )
    if lock:
        stmt = stmt.with_for_update()
    return api.session.scalars(stmt).first()


def _score(value: str) -> Decimal | None:
    return Decimal(value) if value != "" else None


def effective_status(status: str, raw: Decimal | None, mastery: int | None) -> str:
    """SCORM 1.2's mastery rule: with a mastery score and a raw score, a finished status
    ("completed", "passed", "failed") becomes "passed" or "failed" by the score."""
    if mastery is not None and raw is not None and status in ("completed", "passed", "failed"):
        return "passed" if raw >= mastery else "failed"
    return status


def initial_values(
    attempt: ScormAttempt | None, package: ScormPackage, user: api.User, *, mode: str = "normal"
) -> dict[str, str]:
    """What ``LMSGetValue`` answers when the package starts: the person's stored values
    and the read-only elements (the runtime script embeds these)."""
    values: dict[str, str] = dict(CHILDREN)
    data = _stored_data(attempt)
    previous_exit = data.pop("cmi.core.exit", "")
    interactions = {k: v for k, v in data.items() if k.startswith("cmi.interactions.")}
    values.update({k: v for k, v in data.items() if not k.startswith("cmi.interactions.")})
    status = attempt.lesson_status if attempt is not None else "not attempted"
    if attempt is None:
        entry = "ab-initio"
    elif previous_exit == "suspend":
        entry = "resume"
    else:
        entry = ""
    values.update(
        {
            "cmi.core.student_id": str(user.id),
            "cmi.core.student_name": user.name,
            "cmi.core.lesson_location": attempt.lesson_location if attempt else "",
            "cmi.core.credit": "credit" if mode == "normal" else "no-credit",
            "cmi.core.lesson_status": status,
            "cmi.core.entry": entry,
            "cmi.core.score.raw": _fmt(attempt.score_raw) if attempt else "",
            "cmi.core.score.min": _fmt(attempt.score_min) if attempt else "",
            "cmi.core.score.max": _fmt(attempt.score_max) if attempt else "",
            "cmi.core.total_time": format_timespan(attempt.total_seconds if attempt else 0),
            "cmi.core.lesson_mode": mode,
            "cmi.suspend_data": attempt.suspend_data if attempt else "",
            "cmi.launch_data": "",
            "cmi.comments_from_lms": "",
            "cmi.student_data.mastery_score": ""
            if package.mastery_score is None
            else str(package.mastery_score),
            "cmi.student_data.max_time_allowed": "",
            "cmi.student_data.time_limit_action": "continue,no message",
            "cmi.objectives._count": str(_count(data, "cmi.objectives.")),
            "cmi.interactions._count": str(_count(interactions, "cmi.interactions.")),
        }
    )
    for n in range(_count(interactions, "cmi.interactions.")):
        for kind in ("objectives", "correct_responses"):
            values[f"cmi.interactions.{n}.{kind}._count"] = str(
                _count(interactions, f"cmi.interactions.{n}.{kind}.")
            )
    return values


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


def _checked(values: dict[Any, Any], data: dict[str, str]) -> dict[str, str]:
    """``data`` with ``values`` applied in order, each checked; or ScormValueError."""
    for element, value in values.items():
        code = check_value(element, value, data)
        if code != NO_ERROR:
            raise ScormValueError(
                error_message(code, str(element), str(value)), code, str(element)[:255]
            )
        data[element] = value
    if sum(1 for key in data if key.startswith("cmi.")) > MAX_DATA_KEYS:
        raise ScormValueError(
            _("The course package sent more data than the portal keeps. Nothing was saved."),
            INVALID_ARGUMENT,
            "",
        )
    return data


def _locked_attempt(run: Enrolment, lesson: Lesson, package: ScormPackage) -> ScormAttempt:
    """The run's attempt for the lesson, locked (created if there is none). Two first
    commits at once: the database allows one row per run and lesson, and the loser locks
    and continues from the winner's."""
    attempt = attempt_for(run, lesson, lock=True)
    if attempt is not None:
        return attempt
    attempt = ScormAttempt(
        enrolment_id=run.id,
        lesson_id=lesson.id,
        package_id=package.id,
        user_id=run.user_id,
        partner_id=run.partner_id,
        lesson_status="not attempted",
        total_seconds=0,
        data={},
    )
    try:
        with api.session.begin_nested():
            api.session.add(attempt)
            api.session.flush()
    except IntegrityError:
        winner = attempt_for(run, lesson, lock=True)
        if winner is None:  # not the race we expected
            raise
        api.session.refresh(winner)
        return winner
    return attempt


def commit(
    run: Enrolment,
    lesson: Lesson,
    package: ScormPackage,
    values: Any,
    *,
    session: str,
    finish: bool = False,
    now: dt.datetime | None = None,
) -> CommitResult:
    """Store what the package reported (``values``: element → value, in the order they
    were set) for the run's person — all of it or, with :class:`ScormValueError`, none."""
    if not isinstance(values, dict) or len(values) > 2000:
        raise ScormValueError(
            _("The course package sent data the portal cannot read. Nothing was saved."),
            INVALID_ARGUMENT,
            "",
        )
    now = now or api.utcnow()
    existing = attempt_for(run, lesson)
    _checked(values, dict(existing.data or {}) if existing is not None else {})  # writes nothing
    attempt = _locked_attempt(run, lesson, package)
    data = _checked(values, dict(attempt.data or {}))  # again, on the locked row
    # the columns
    if "cmi.core.lesson_status" in values:
        attempt.lesson_status = values["cmi.core.lesson_status"]
    elif attempt.lesson_status == "not attempted":
        attempt.lesson_status = "incomplete"
    for element, column in (
        ("cmi.core.score.raw", "score_raw"),
        ("cmi.core.score.min", "score_min"),
        ("cmi.core.score.max", "score_max"),
    ):
        if element in values:
            setattr(attempt, column, _score(values[element]))
    if "cmi.core.lesson_location" in values:
        attempt.lesson_location = values["cmi.core.lesson_location"]
    if "cmi.suspend_data" in values:
        attempt.suspend_data = values["cmi.suspend_data"]
    if "cmi.core.session_time" in values:
        seconds = int(timespan_seconds(values["cmi.core.session_time"]) or 0)
        counted = int(data.get("portalis.session_seconds", "0") or 0)
        if data.get("portalis.session") != session:
            counted = 0
        attempt.total_seconds = (attempt.total_seconds or 0) + max(0, seconds - counted)
        data["portalis.session"] = session[:64]
        data["portalis.session_seconds"] = str(seconds)
    for column_element in (
        "cmi.core.lesson_status",
        "cmi.core.score.raw",
        "cmi.core.score.min",
        "cmi.core.score.max",
        "cmi.core.lesson_location",
        "cmi.suspend_data",
        "cmi.core.session_time",
    ):
        data.pop(column_element, None)
    attempt.data = data
    attempt.initialized_at = attempt.initialized_at or now
    if finish:
        attempt.finished_at = now
    attempt.updated_at = now
    status = effective_status(attempt.lesson_status, attempt.score_raw, package.mastery_score)
    attempt.lesson_status = status
    lesson_completed = False
    course_completed = False
    if status in DONE:
        already = lesson.id in progress.completed_lesson_ids(run.id)
        course_completed = progress.complete_lesson(run, lesson, at=now)
        lesson_completed = not already
    else:
        progress.touch(run, lesson)
    api.session.flush()
    return CommitResult(status, attempt.score_raw, lesson_completed, course_completed)
