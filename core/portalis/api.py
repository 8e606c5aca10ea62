"""The public API for plugins — the only core module plugins import.

A pure façade: every name is defined in the module that owns it and only re-exported
here, so this file reads as the list of what plugins may rely on. Anything here is stable
within a major version (``portalis.HOOK_API_VERSION``); a name is deprecated for one minor
release before it goes. Everything else in ``portalis`` is internal. If a plugin needs
more, grow this list (and docs/plugins.md, which a test holds to it).
"""

from __future__ import annotations

from . import HOOK_API_VERSION, __version__
from .audiences import VISIBILITIES, audience_clause, audience_reach
from .audit import record as audit
from .companies.domains import company_domain, is_free_mail_domain, registrable_domain
from .companies.names import (
    SIMILAR_NAME_THRESHOLD,
    company_name_similarity,
    name_block_key,
    normalize_company_name,
    same_company_name,
)
from .companies.profile import Address as CompanyAddress
from .companies.profile import CompanyProfile, company_profile, profile_completeness
from .companies.profile_fields import INDUSTRIES as COMPANY_INDUSTRIES
from .companies.profile_fields import PARTNER_TYPES as COMPANY_PARTNER_TYPES
from .context import Viewer, current_tenant, current_user, current_viewer
from .db import AwareDateTime, Base, BigId, TenantScoped, db, utcnow
from .events import emit
from .files.packages import (
    PackageRefused,
    UnpackedPackage,
    package_file_path,
    package_token,
    package_token_subject,
    remove_package,
    send_package_file,
    unpack_package,
)
from .files.sending import send_stored_file, typed_filename
from .files.sniffing import (
    FILE_TYPES,
    IMAGE_TYPES,
    MIME,
    PREVIEWABLE,
    UploadRefused,
    allowed_types_message,
)
from .files.store import StoredFile, remove_stored_file, store_upload, stored_file_path
from .i18n import Translator, current_locale, force_locale, localized, money
from .identity.recipients import vendor_team
from .jobs import enqueue, enqueue_after_commit
from .mail import send as send_mail
from .mail import send_to_users as mail_users
from .markdown import render_markdown
from .migrate import run_env as run_migrations_env
from .models import Partner, Program, ProgramPlugin, Tenant, Tier, User
from .plugins.contract import (
    AccessBlocker,
    DemoSeed,
    Event,
    LinkableItem,
    MetricDefinition,
    Milestone,
    NavItem,
    PartnerSummary,
    PeriodicJob,
    Permission,
    PluginInfo,
    Widget,
    resolve_text,
)
from .plugins.hookspecs import hookimpl
from .plugins.settings import plugin_settings, programs_with_plugin
from .portal import find_linkables, installed_plugins, milestones, resolve_linkables
from .roles import Role
from .search import SearchDocument
from .search_service import search_delete, search_index
from .tenancy import ScopeError, current_tenant_id, tenant_scope, unscoped
from .tiers.benefits import tier_benefit
from .tiers.evaluation import change_tier
from .transaction import on_commit, on_rollback
from .uploads import clean_filename
from .web.access import (
    has_permission,
    login_required,
    not_found,
    partner_admin,
    partner_member,
    permission_required,
    public_page,
    vendor_admin,
    vendor_staff,
)
from .web.converters import (
    choice_arg,
    coerce_id,
    date_arg,
    id_arg,
    ids_arg,
    int_arg,
    text_arg,
    valid_id,
)
from .web.csv_export import csv_response, rows_to_csv
from .web.fields import (
    CountryField,
    CurrencyField,
    TimeZoneField,
    WebsiteField,
    select_choices,
)
from .web.forms import BoundedDateField, BoundedIntegerField, PortalForm
from .web.ratelimit import rate_limit
from .web.redirects import safe_next
from .web.rendering import is_htmx, page, render, render_block
from .web.templating import isolate
from .web.tenant_context import tenant_request_context

#: The request-local SQLAlchemy session (tenant-scoped inside a request or job).
session = db.session


__all__ = [
    "isolate",
    "VISIBILITIES",
    "audience_clause",
    "audience_reach",
    "AccessBlocker",
    "AwareDateTime",
    "Base",
    "BigId",
    "BoundedDateField",
    "BoundedIntegerField",
    "COMPANY_INDUSTRIES",
    "COMPANY_PARTNER_TYPES",
    "CompanyAddress",
    "CompanyProfile",
    "CountryField",
    "CurrencyField",
    "DemoSeed",
    "Event",
    "FILE_TYPES",
    "HOOK_API_VERSION",
    "IMAGE_TYPES",
    "LinkableItem",
    "MIME",
    "MetricDefinition",
    "Milestone",
    "NavItem",
    "PREVIEWABLE",
    "PackageRefused",
    "Partner",
    "PartnerSummary",
    "PeriodicJob",
    "Permission",
    "PluginInfo",
    "PortalForm",
    "Program",
    "ProgramPlugin",
    "Role",
    "SIMILAR_NAME_THRESHOLD",
    "ScopeError",
    "SearchDocument",
    "StoredFile",
    "Tenant",
    "TenantScoped",
    "Tier",
    "TimeZoneField",
    "Translator",
    "UnpackedPackage",
    "UploadRefused",
    "User",
    "Viewer",
    "WebsiteField",
    "Widget",
    "__version__",
    "allowed_types_message",
    "audit",
    "change_tier",
    "choice_arg",
    "clean_filename",
    "coerce_id",
    "company_domain",
    "company_name_similarity",
    "company_profile",
    "csv_response",
    "current_locale",
    "current_tenant",
    "current_tenant_id",
    "current_user",
    "current_viewer",
    "date_arg",
    "emit",
    "enqueue",
    "enqueue_after_commit",
    "find_linkables",
    "force_locale",
    "has_permission",
    "hookimpl",
    "id_arg",
    "ids_arg",
    "installed_plugins",
    "int_arg",
    "is_free_mail_domain",
    "is_htmx",
    "localized",
    "login_required",
    "mail_users",
    "milestones",
    "money",
    "name_block_key",
    "normalize_company_name",
    "not_found",
    "on_commit",
    "on_rollback",
    "package_file_path",
    "package_token",
    "package_token_subject",
    "page",
    "partner_admin",
    "partner_member",
    "permission_required",
    "plugin_settings",
    "profile_completeness",
    "programs_with_plugin",
    "public_page",
    "rate_limit",
    "registrable_domain",
    "remove_package",
    "remove_stored_file",
    "render",
    "render_block",
    "render_markdown",
    "resolve_linkables",
    "resolve_text",
    "rows_to_csv",
    "run_migrations_env",
    "safe_next",
    "same_company_name",
    "search_delete",
    "search_index",
    "select_choices",
    "send_mail",
    "send_package_file",
    "send_stored_file",
    "session",
    "store_upload",
    "stored_file_path",
    "tenant_request_context",
    "tenant_scope",
    "text_arg",
    "tier_benefit",
    "typed_filename",
    "unpack_package",
    "unscoped",
    "utcnow",
    "valid_id",
    "vendor_admin",
    "vendor_staff",
    "vendor_team",
]
