from flask import Blueprint

#: Every route of the plugin hangs off this blueprint; the core answers 404 for all of
#: them unless the plugin is on for the viewer's program and tier.
bp = Blueprint("lms", __name__, url_prefix="/lms")
