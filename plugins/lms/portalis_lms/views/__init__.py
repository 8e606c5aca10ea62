"""The plugin's pages: ``bp`` with the partner and vendor routes registered on it."""

from . import (  # noqa: F401 - importing them adds their routes to bp  # noqa: F401 - quizzes: taking them, authoring them  # noqa: F401 - paths, certificates, public verification
    certificates,
    partner,
    public,
    quiz,
    quiz_authoring,
    reports,  # noqa: F401 - the vendor's reports (lms.reports, lms.reports_csv)
    scorm,  # noqa: F401 - the SCORM player, package files, runtime commits
    team,  # noqa: F401 - a partner admin's team: progress, assigning courses
    vendor,
)
from .blueprint import bp

__all__ = ["bp"]
