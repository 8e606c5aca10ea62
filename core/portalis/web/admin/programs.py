"""Programs, tiers, plugins per program, and tier evaluation (preview and apply)."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from sqlalchemy import func, select
from wtforms import IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, StopValidation

from ... import audit
from ...branding import COLOR
from ...companies.profile import profile_settings
from ...companies.profile_fields import field_label
from ...db import db
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...i18n import ngettext
from ...models import Partner, Program, ProgramPlugin, Tier
from ...plugins.contract import resolve_text
from ...plugins.enablement import KEEP, PluginToggleError, in_dependency_order, set_plugin
from ...tiers import criteria, evaluation
from ...tiers.evaluation import evaluate_program
from ...uploads import UploadError, store_image
from ..access import vendor_admin, vendor_staff
from ..converters import valid_id
from ..fields import select_choices
from ..forms import (
    PluginSettingsForm,
    PortalForm,
    ProgramBrandingForm,
    ProgramForm,
    TierForm,
    drop_controls,
)
from ..rendering import page
from .blueprint import bp

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def _days_in_range(form: Any, field: Any) -> None:
    """0..365, checked on the integer itself (NumberRange turns a 400-digit number into a
    float first and fails with OverflowError)."""
    if field.data is None or not 0 <= field.data <= 365:
        raise StopValidation(_("Enter a number of days from 0 to 365."))


class TierPolicyForm(PortalForm):
    """What the scheduled tier evaluation does with the changes it finds."""

    tier_policy = SelectField(
        _l("When the daily evaluation finds a tier change"),
        choices=[
            SelectChoice("review", _l("Propose it: a channel manager approves or rejects it")),
            SelectChoice("automatic", _l("Apply it automatically")),
        ],
        default="review",
    )
    tier_grace_days = IntegerField(
        _l("Grace period before a demotion (days)"),
        validators=[InputRequired(), _days_in_range, NumberRange(min=0, max=365)],
        default=30,
    )


class NewProgramForm(ProgramForm, TierPolicyForm):
    """A new program: its name and currency, and its tier change policy."""


def localized_names(current: dict[str, str] | None) -> dict[str, str]:
    """Per-language names from ``name_i18n-<code>`` inputs, for the tenant's languages."""
    out = dict(current or {})
    for code in g.tenant.allowed_locales:
        value = drop_controls(request.form.get(f"name_i18n-{code}") or "").strip()[:100]
        if value:
            out[code] = value
        else:
            out.pop(code, None)
    return out


def get_program(program_id: int) -> Program:
    program = db.session.get(Program, program_id)
    if program is None:
        abort(404)
    return program


@bp.route("/programs")
@vendor_staff
def programs() -> Any:
    rows = db.session.execute(
        select(Program, func.count(Partner.id))
        .outerjoin(Partner, Partner.program_id == Program.id)
        .group_by(Program.id)
        .order_by(Program.name)
    ).all()
    return page("admin/programs.html", rows=rows)


@bp.route("/programs/new", methods=["GET", "POST"])
@vendor_admin
def program_new() -> Any:
    form = NewProgramForm(currency=g.tenant.currency)
    if form.validate_on_submit():
        slug = form.slug.data.strip().lower()
        if not SLUG.match(slug):
            form.slug.errors.append(_("Use lower-case letters, digits and hyphens."))
        elif db.session.scalars(select(Program.id).where(Program.slug == slug)).first():
            form.slug.errors.append(_("Another program already uses this short name."))
        else:
            program = Program(
                name=form.name.data.strip(),
                slug=slug,
                currency=form.currency.data.upper(),
                description=form.description.data or "",
                tier_policy=form.tier_policy.data,
                tier_grace_days=form.tier_grace_days.data,
            )
            db.session.add(program)
            db.session.flush()
            db.session.add(Tier(program_id=program.id, rank=0, name=_("Registered"), criteria=""))
            defaults = [p.info.name for p in g.portal.registry.optional]
            for name in in_dependency_order(defaults):
                if g.portal.registry.info(name).enabled_by_default:
                    set_plugin(program, name, enabled=True)
            audit.record(
                "program.created",
                "program",
                program.id,
                after={
                    "name": program.name,
                    "tier_policy": program.tier_policy,
                    "tier_grace_days": program.tier_grace_days,
                },
            )
            db.session.commit()
            return redirect(url_for("admin.program_detail", program_id=program.id))
    return page("admin/program_form.html", form=form, status=422 if form.errors else 200)


@bp.route("/programs/<id:program_id>")
@vendor_staff
def program_detail(program_id: int) -> Any:
    program = get_program(program_id)
    tiers = db.session.scalars(
        select(Tier).where(Tier.program_id == program.id).order_by(Tier.rank)
    ).all()
    counts = dict(
        db.session.execute(
            select(Partner.tier_id, func.count(Partner.id))
            .where(Partner.program_id == program.id)
            .group_by(Partner.tier_id)
        ).all()
    )
    enabled = {
        pp.plugin: pp
        for pp in db.session.scalars(
            select(ProgramPlugin).where(ProgramPlugin.program_id == program.id)
        )
    }
    plugins = [(p, enabled.get(p.info.name)) for p in g.portal.registry.optional]
    metric_defs = g.portal.metric_definitions()
    reviews = evaluation.open_reviews(program.id)
    return page(
        "admin/program_detail.html",
        program=program,
        policy_form=TierPolicyForm(
            tier_policy=program.tier_policy, tier_grace_days=program.tier_grace_days
        ),
        policy_text=policy_text(program),
        proposed=sum(1 for r in reviews if r.state == "proposed"),
        at_risk=sum(1 for r in reviews if r.state == "at_risk"),
        tiers=tiers,
        counts=counts,
        plugins=plugins,
        metric_defs=metric_defs,
        resolve_text=resolve_text,
        brand_form=ProgramBrandingForm(
            brand_accent=(program.branding or {}).get("brand_accent", "")
        ),
        profile_settings=profile_settings(program.id),
        profile_field_label=field_label,
    )


@bp.route("/programs/<id:program_id>/tier-policy", methods=["POST"])
@vendor_admin
def program_tier_policy(program_id: int) -> Any:
    """The program's tier change policy and grace period (audited)."""
    program = get_program(program_id)
    form = TierPolicyForm()
    back = redirect(url_for("admin.program_detail", program_id=program.id))
    if not form.validate_on_submit():
        flash(
            _("The tier change policy was not saved: %(problem)s", problem=_first_error(form)),
            "error",
        )
        return back
    before = {"tier_policy": program.tier_policy, "tier_grace_days": program.tier_grace_days}
    program.tier_policy = form.tier_policy.data
    program.tier_grace_days = form.tier_grace_days.data
    audit.record(
        "program.tier_policy_updated",
        "program",
        program.id,
        before=before,
        after={"tier_policy": program.tier_policy, "tier_grace_days": program.tier_grace_days},
    )
    db.session.commit()
    flash(_("Tier change policy saved. It applies from the next evaluation."), "success")
    return back


def _first_error(form: PortalForm) -> str:
    for name, errors in form.errors.items():
        if errors:
            label = getattr(form, name).label.text if hasattr(form, name) else name
            return f"{label}: {errors[0]}"
    return ""


@bp.route("/programs/<id:program_id>/branding", methods=["POST"])
@vendor_admin
def program_branding(program_id: int) -> Any:
    """A program may override the tenant's logo and accent colour for its partners."""
    program = get_program(program_id)
    form = ProgramBrandingForm()
    back = redirect(url_for("admin.program_detail", program_id=program.id))
    if not form.validate_on_submit():
        flash(_("The program branding could not be saved."), "error")
        return back
    new = dict(program.branding or {})
    accent = (form.brand_accent.data or "").strip()
    if accent and not COLOR.match(accent):
        flash(_("Use a colour like #1a2b3c."), "error")
        return back
    if accent:
        new["brand_accent"] = accent
    else:
        new.pop("brand_accent", None)
    file = form.logo.data
    if file and getattr(file, "filename", ""):
        try:
            new["logo"] = store_image(g.tenant.id, "branding", file.read()).name
        except UploadError as exc:
            flash(_(str(exc)), "error")
            return back
    if form.remove_logo.data:
        new.pop("logo", None)
    audit.record(
        "program.branding_updated", "program", program.id, before=program.branding, after=new
    )
    program.branding = new
    db.session.commit()
    flash(_("Program branding saved."), "success")
    return back


def _tier_form_save(form: TierForm, tier: Tier, program: Program) -> bool:
    try:
        criteria.validate(form.criteria.data or "", (m for _p, m in g.portal.metric_definitions()))
    except criteria.CriteriaError as exc:
        form.criteria.errors.append(exc.translated())
        return False
    rank = form.rank.data or 0
    clash = db.session.scalars(
        select(Tier.id).where(
            Tier.program_id == program.id, Tier.rank == rank, Tier.id != (tier.id or 0)
        )
    ).first()
    if clash:
        form.rank.errors.append(_("Another tier of this program has this rank."))
        return False
    colour = form.color.data or "#64748b"
    if not re.match(r"^#[0-9a-fA-F]{6}$", colour):
        form.color.errors.append(_("Use a colour like #1a2b3c."))
        return False
    before = {
        "name": tier.name,
        "rank": tier.rank,
        "criteria": tier.criteria,
        "benefits": tier.benefits,
    }
    tier.name = form.name.data.strip()
    tier.name_i18n = localized_names(tier.name_i18n)
    tier.rank = rank
    tier.criteria = (form.criteria.data or "").strip()
    tier.color = colour
    tier.benefits = {
        **(tier.benefits or {}),
        "deal_discount_pct": form.deal_discount_pct.data or 0,
        "mdf_allowance": form.mdf_allowance.data or 0,
    }
    db.session.add(tier)
    db.session.flush()
    audit.record(
        "tier.saved",
        "tier",
        tier.id,
        before=before,
        after={
            "name": tier.name,
            "rank": tier.rank,
            "criteria": tier.criteria,
            "benefits": tier.benefits,
        },
    )
    return True


@bp.route("/programs/<id:program_id>/tiers/new", methods=["GET", "POST"])
@bp.route("/programs/<id:program_id>/tiers/<id:tier_id>", methods=["GET", "POST"])
@vendor_admin
def tier_edit(program_id: int, tier_id: int | None = None) -> Any:
    program = get_program(program_id)
    tier = (
        Tier(program_id=program.id, benefits={})
        if tier_id is None
        else db.session.get(Tier, tier_id)
    )
    if tier is None or tier.program_id != program.id:
        abort(404)
    form = TierForm(
        obj=tier if tier_id else None,
        deal_discount_pct=(tier.benefits or {}).get("deal_discount_pct"),
        mdf_allowance=(tier.benefits or {}).get("mdf_allowance"),
    )
    if form.validate_on_submit() and _tier_form_save(form, tier, program):
        db.session.commit()
        flash(_saved_tier_message(program), "success")
        return redirect(url_for("admin.program_detail", program_id=program.id))
    metrics = g.portal.metric_definitions()
    return page(
        "admin/tier_form.html",
        form=form,
        program=program,
        tier=tier,
        metrics=metrics,
        status=422 if form.errors else 200,
    )


@bp.route("/programs/<id:program_id>/plugins/<name>", methods=["GET", "POST"])
@vendor_admin
def plugin_settings(program_id: int, name: str) -> Any:
    program = get_program(program_id)
    plugins = {p.info.name: p for p in g.portal.registry.optional}
    if name not in plugins:
        abort(404)
    info = plugins[name].info
    row = db.session.scalars(
        select(ProgramPlugin).where(
            ProgramPlugin.program_id == program.id, ProgramPlugin.plugin == name
        )
    ).first()
    tiers = db.session.scalars(
        select(Tier).where(Tier.program_id == program.id).order_by(Tier.rank)
    ).all()
    form = PluginSettingsForm(
        enabled=row.enabled if row else False, tier_ids=(row.tier_ids or []) if row else []
    )
    form.tier_ids.choices = select_choices((t.id, t.name) for t in tiers)
    valid_ids = {t.id for t in tiers}
    current_settings = {**dict(info.settings_defaults), **(row.settings if row else {})}
    settings_form = None
    if info.settings_form is not None:
        formdata = request.form if request.method == "POST" else None
        settings_form = info.settings_form(formdata=formdata, data=current_settings, prefix="s")
    if request.method == "POST":
        ok = form.validate_on_submit() and (settings_form is None or settings_form.validate())
        if ok:
            try:
                set_plugin(
                    program,
                    name,
                    enabled=bool(form.enabled.data),
                    allowed_tiers=[t for t in (form.tier_ids.data or []) if t in valid_ids],
                    settings=(
                        {k: v for k, v in settings_form.data.items() if k != "csrf_token"}
                        if settings_form is not None
                        else KEEP
                    ),
                )
            except PluginToggleError as exc:
                db.session.rollback()
                flash(_toggle_refused(exc, info.title), "error")
                return redirect(url_for("admin.plugin_settings", program_id=program.id, name=name))
            db.session.commit()
            flash(
                _(
                    "%(plugin)s settings saved. Partners see the change on their next page.",
                    plugin=resolve_text(info.title),
                ),
                "success",
            )
            return redirect(url_for("admin.program_detail", program_id=program.id))
    return page(
        "admin/plugin_settings.html",
        program=program,
        info=info,
        form=form,
        settings_form=settings_form,
        resolve_text=resolve_text,
        status=422 if request.method == "POST" else 200,
    )


def _toggle_refused(exc: PluginToggleError, title: Any) -> str:
    """Why the change was refused, in the admin's language."""
    titles = g.portal.registry.plugins

    def names(plugins: list[str]) -> str:
        return ", ".join(resolve_text(titles[n].info.title) for n in plugins if n in titles)

    if exc.requires:
        return _(
            "%(plugin)s needs %(required)s switched on for this program first.",
            plugin=resolve_text(title),
            required=names(exc.requires),
        )
    return _(
        "%(plugin)s is needed by %(dependants)s; switch those off first.",
        plugin=resolve_text(title),
        dependants=names(exc.needed_by),
    )


def policy_text(program: Program) -> str:
    """What the daily evaluation does for this program, in one honest sentence."""
    days = program.tier_grace_days
    if program.tier_policy == evaluation.AUTOMATIC:
        if not days:
            return _(
                "Automatic: the daily evaluation applies every change it finds at once, "
                "promotions and demotions alike."
            )
        return ngettext(
            "Automatic: the daily evaluation applies promotions at once. A partner that no "
            "longer meets its tier is at risk for %(num)s day and then moves down, unless it "
            "meets the criteria again before then.",
            "Automatic: the daily evaluation applies promotions at once. A partner that no "
            "longer meets its tier is at risk for %(num)s days and then moves down, unless it "
            "meets the criteria again before then.",
            days,
        )
    if not days:
        return _(
            "Review: the daily evaluation moves nobody. It proposes each change it finds, and "
            "a channel manager approves or rejects each proposal on the tier evaluation page."
        )
    return ngettext(
        "Review: the daily evaluation moves nobody. It proposes promotions at once and "
        "demotions after %(num)s day at risk; a channel manager approves or rejects each "
        "proposal on the tier evaluation page.",
        "Review: the daily evaluation moves nobody. It proposes promotions at once and "
        "demotions after %(num)s days at risk; a channel manager approves or rejects each "
        "proposal on the tier evaluation page.",
        days,
    )


def _saved_tier_message(program: Program) -> str:
    """What saving criteria really does: nobody moves now; the next daily evaluation acts
    under the program's policy and grace period."""
    if program.tier_policy == evaluation.AUTOMATIC:
        return ngettext(
            "Tier saved. Nobody moves now: the next daily evaluation applies promotions at "
            "once and demotions after %(num)s day of grace. Preview who would move on the "
            "evaluation page.",
            "Tier saved. Nobody moves now: the next daily evaluation applies promotions at "
            "once and demotions after %(num)s days of grace. Preview who would move on the "
            "evaluation page.",
            program.tier_grace_days,
        )
    return _(
        "Tier saved. Nobody moves now: the next daily evaluation proposes the changes it "
        "finds, and a channel manager approves or rejects each one."
    )


@bp.route("/programs/<id:program_id>/evaluate", methods=["GET", "POST"])
@vendor_staff
def evaluate(program_id: int) -> Any:
    """GET: the proposals waiting for approval, the partners at risk, and a preview (dry
    run: who would move, why, and what the daily evaluation will do). POST applies every
    change of the preview now."""
    program = get_program(program_id)
    dry = request.method == "GET"
    decisions = evaluate_program(program.id, dry_run=dry, actor_user_id=g.user.id)
    changes = [d for d in decisions if d.changes]
    locked = [d for d in decisions if d.locked and d.from_tier is not d.to_tier]
    if not dry:
        flash(
            ngettext(
                "%(num)s partner changed tier and was notified.",
                "%(num)s partners changed tier; each was notified.",
                len(changes),
            ),
            "success",
        )
        return redirect(url_for("admin.evaluate", program_id=program.id))
    reviews = evaluation.open_reviews(program.id)
    tiers = {t.id: t for t in db.session.scalars(select(Tier).where(Tier.program_id == program.id))}
    names = dict(
        db.session.execute(
            select(Partner.id, Partner.name).where(
                Partner.id.in_([r.partner_id for r in reviews] or [0])
            )
        ).all()
    )
    return page(
        "admin/evaluate.html",
        program=program,
        changes=changes,
        locked=locked,
        total=len(decisions),
        proposals=[r for r in reviews if r.state == "proposed"],
        at_risk=[r for r in reviews if r.state == "at_risk"],
        tiers=tiers,
        names=names,
        policy_text=policy_text(program),
    )


@bp.route("/programs/<id:program_id>/proposals", methods=["POST"])
@vendor_staff
def proposals(program_id: int) -> Any:
    """Approve or reject proposals of the evaluation: one (``review`` = its id) or all
    (``review`` = "all")."""
    program = get_program(program_id)
    action = request.form.get("action", "")
    chosen = request.form.getlist("review")
    if "all" in chosen:
        ids = [r.id for r in evaluation.open_reviews(program.id) if r.state == "proposed"]
    else:
        ids = [i for i in (valid_id(v) for v in chosen[:1000]) if i is not None]
    back = redirect(url_for("admin.evaluate", program_id=program.id))
    if action == "approve":
        applied, stale = evaluation.approve(program.id, ids, actor_user_id=g.user.id)
        db.session.commit()
        if applied:
            flash(
                ngettext(
                    "%(num)s partner changed tier and was notified.",
                    "%(num)s partners changed tier; each was notified.",
                    applied,
                ),
                "success",
            )
        if stale:
            flash(
                ngettext(
                    "%(num)s proposal was out of date (the tier was changed or pinned by "
                    "hand since) and was closed without a change.",
                    "%(num)s proposals were out of date (the tier was changed or pinned by "
                    "hand since) and were closed without a change.",
                    stale,
                ),
                "warning",
            )
        if not applied and not stale:
            flash(_("Nothing to approve: the proposal was already decided."), "warning")
        return back
    if action == "reject":
        count = evaluation.reject(program.id, ids, actor_user_id=g.user.id)
        db.session.commit()
        if count:
            flash(
                ngettext(
                    "%(num)s proposal rejected; the partner keeps its tier.",
                    "%(num)s proposals rejected; the partners keep their tiers.",
                    count,
                ),
                "success",
            )
        else:
            flash(_("Nothing to reject: the proposal was already decided."), "warning")
        return back
    abort(400)
