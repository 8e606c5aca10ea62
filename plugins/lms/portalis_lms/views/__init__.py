"""The plugin's pages: ``bp`` with the partner and vendor routes registered on it."""

from . import (  # noqa: F401 - importing them adds their routes to bp
    certificates,  # paths, certificates, public verification
    partner,
    public,
    quiz,  # quizzes: taking them
    quiz_authoring,  # quizzes: authoring them
    reports,  # the vendor's reports (lms.reports, lms.reports_csv)
    scorm,  # the SCORM player, package files, runtime commits
    team,  # a partner admin's team: progress, assigning courses
    vendor,  # the vendor's course pages: list, new, settings, audience, languages
    vendor_assignments,  # the vendor's assignments of a course
    vendor_lessons,  # the vendor's modules, lessons, lesson videos, preview
    vendor_paths,  # the vendor's learning paths
)
from .blueprint import bp

__all__ = ["bp"]
