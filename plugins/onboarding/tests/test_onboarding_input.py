"""What a vendor types into a checklist task reaches the database clean: a NUL byte pasted
into the title or the description is dropped (PostgreSQL refuses it in text, so it would
be a server error there), when the task is added and when it is edited."""

from __future__ import annotations

from sqlalchemy import select

from portalis import api
from portalis_onboarding.models import Task


def _task_form(title: str, description: str) -> dict[str, str]:
    """The task form as the vendor sends it: a partner's task, due a week after joining."""
    return {
        "title": title,
        "description": description,
        "owner_side": "partner",
        "owner_user_id": "0",
        "due_days": "7",
        "milestone": "",
    }


def _task(world, title: str) -> Task:
    with api.tenant_scope(world.tenant.id):
        task = api.session.scalars(
            select(Task)
            .where(Task.program_id == world.program.id, Task.title == title)
            .execution_options(populate_existing=True)
        ).one()
        api.session.expunge(task)
        return task


def test_a_nul_byte_in_a_task_is_dropped(world, client_as):
    vendor = client_as(world.users["vendor_admin"])
    checklist = f"/onboarding/programs/{world.program.id}"
    added = vendor.post_form(
        f"{checklist}/tasks/new",
        _task_form("Sign the\x00 NDA", "Read it,\x00 then sign."),
    )
    assert added.status_code == 302
    task = _task(world, "Sign the NDA")
    assert task.description == "Read it, then sign."

    edited = vendor.post_form(
        f"/onboarding/tasks/{task.id}/edit",
        _task_form("\x00Sign the reseller terms\x00", "Line one\nline\x00 two"),
    )
    assert edited.status_code == 302
    task = _task(world, "Sign the reseller terms")
    assert task.description == "Line one\nline two"
    assert "Sign the reseller terms" in vendor.get(checklist).get_data(as_text=True)
