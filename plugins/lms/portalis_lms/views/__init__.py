"""The plugin's pages: ``bp`` with the partner and vendor routes registered on it."""

from . import partner, vendor  # noqa: F401 - importing them adds their routes to bp
from . import reports  # noqa: F401 - the vendor's reports (lms.reports, lms.reports_csv)
from . import quiz, quiz_authoring  # noqa: F401 - quizzes: taking them, authoring them
from . import certificates, public  # noqa: F401 - paths, certificates, public verification
from .blueprint import bp

__all__ = ["bp"]
