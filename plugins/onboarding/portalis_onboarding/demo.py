"""Demo data for ``portalis demo`` (and the contract tests): the demo program's checklist
of five tasks, and partners at different points of it — one finished, one a step away,
one that has just started.

A task waits for a milestone only when some installed plugin declares it (agreements,
the core's profile, deals); otherwise it is ticked by hand, so the demo works with any
set of plugins.
"""

from __future__ import annotations

from portalis import api

from . import milestones
from .models import MANUAL, PARTNER, VENDOR, Completion, MilestoneReached, Task, TaskState

#: key, title, description, side, due days, milestone
TASKS = (
    (
        "agreement",
        "Sign the partner agreement",
        "Read the reseller terms and sign them online. It takes five minutes.",
        PARTNER,
        7,
        "agreement.signed",
    ),
    (
        "profile",
        "Complete your company profile",
        "Add your logo, a short description, your regions and expertise, so customers "
        "find you in the partner locator.",
        PARTNER,
        14,
        "partner.profile_completed",
    ),
    (
        "kickoff",
        "Kick-off call with your channel manager",
        "We walk you through the program, your benefits and the first ninety days.",
        VENDOR,
        14,
        MANUAL,
    ),
    (
        "team",
        "Invite your sales team",
        "Give your colleagues their own sign-in, so they can register deals and take trainings.",
        PARTNER,
        21,
        MANUAL,
    ),
    (
        "deal",
        "Register your first deal",
        "Register an opportunity you are working on to protect it for 90 days.",
        PARTNER,
        60,
        "deal.submitted",
    ),
)

#: What each demo partner (in the seed's order) has done: the first finished, the last
#: has just joined. The demo partners all registered deals, so most have that step.
PROGRESS = (
    ("agreement", "profile", "kickoff", "team", "deal"),
    ("agreement", "profile", "kickoff", "deal"),
    ("agreement", "profile", "deal"),
    ("agreement", "deal"),
    ("agreement", "kickoff"),
    (),
)


def seed(seed: api.DemoSeed) -> None:
    declared = milestones.declared_events()
    now = api.utcnow()
    tasks: dict[str, Task] = {}
    for position, (key, title, description, side, due, milestone) in enumerate(TASKS, 1):
        task = Task(
            program_id=seed.program_id,
            position=position,
            title=title,
            description=description,
            owner_side=side,
            due_days=due,
            milestone=milestone if milestone in declared else MANUAL,
        )
        api.session.add(task)
        tasks[key] = task
    api.session.flush()
    for index, partner_id in enumerate(seed.partners.values()):
        done = PROGRESS[index % len(PROGRESS)]
        for key in done:
            task = tasks[key]
            api.session.add(
                TaskState(
                    task_id=task.id,
                    partner_id=partner_id,
                    completed_at=now,
                    completed_by_event=task.milestone,
                )
            )
            if task.milestone:
                api.session.add(MilestoneReached(partner_id=partner_id, event=task.milestone))
        if len(done) == len(TASKS):
            api.session.add(Completion(program_id=seed.program_id, partner_id=partner_id))
    api.session.flush()
