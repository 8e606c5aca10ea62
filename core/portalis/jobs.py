"""Background work: ``enqueue`` now, or run periodically.

Backends (``JOBS_BACKEND``):

* ``thread`` (default) — an in-process worker thread plus a scheduler thread, so
  ``scripts/serve`` needs nothing else.
* ``rq`` — Redis Queue (``REDIS_URL``); ``portalis worker`` runs the jobs.
* ``eager`` — run at once in a fresh session (tests).

Every job runs in the tenant scope of whoever enqueued it, in its own session; it is
retried (3 attempts, backing off) and then recorded in ``job_failures`` — never lost
silently. A job enqueued on behalf of a user re-checks that the user is still active.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import queue
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, has_app_context

from .db import fresh_session, utcnow
from .tenancy import current_tenant_id, tenant_scope, unscoped
from .transaction import on_commit

log = logging.getLogger("portalis.jobs")

MAX_ATTEMPTS = 3


@dataclass
class JobSpec:
    func: str  # "package.module:function"
    tenant_id: int | None
    kwargs: dict[str, Any] = field(default_factory=dict)
    actor_user_id: int | None = None
    attempts: int = 0


class JobActorGone(RuntimeError):
    """The user who queued the job was deactivated or removed since."""


def resolve(path: str) -> Callable[..., Any]:
    module, _, name = path.partition(":")
    obj: Any = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def _path_of(func: str | Callable[..., Any]) -> str:
    if isinstance(func, str):
        return func
    return f"{func.__module__}:{func.__qualname__}"


def enqueue(
    func: str | Callable[..., Any],
    *,
    tenant_id: int | None = None,
    actor_user_id: int | None = None,
    **kwargs: Any,
) -> None:
    """Queue ``func(**kwargs)`` to run in the current tenant's scope (or ``tenant_id``).

    ``func`` must be importable by path (a module-level function), since the RQ backend
    runs it in another process.
    """
    current_app.extensions["portalis_jobs"].submit(_spec(func, tenant_id, actor_user_id, kwargs))


def _spec(
    func: str | Callable[..., Any],
    tenant_id: int | None,
    actor_user_id: int | None,
    kwargs: dict[str, Any],
) -> JobSpec:
    tid = tenant_id if tenant_id is not None else current_tenant_id()
    return JobSpec(_path_of(func), tid, kwargs, actor_user_id)


def enqueue_after_commit(
    func: str | Callable[..., Any],
    *,
    tenant_id: int | None = None,
    actor_user_id: int | None = None,
    **kwargs: Any,
) -> None:
    """Like :func:`enqueue`, but only once the current transaction commits (and never if
    it rolls back): for jobs that need to read what the caller is writing."""
    spec = _spec(func, tenant_id, actor_user_id, kwargs)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    on_commit(lambda: app.extensions["portalis_jobs"].submit(spec))


def run_spec(app: Flask, spec: JobSpec) -> bool:
    """Run one attempt. Returns True on success; records the failure after the last try."""
    from .db import write_intent
    from .models import User

    spec.attempts += 1
    write = write_intent.set(True)  # jobs write: take SQLite's write lock up front
    ctx = app.app_context() if not has_app_context() else None
    if ctx:
        ctx.push()
    try:
        with fresh_session() as session:
            try:
                if spec.tenant_id is None:
                    with unscoped("platform job"):
                        resolve(spec.func)(**spec.kwargs)
                else:
                    with tenant_scope(spec.tenant_id):
                        if spec.actor_user_id is not None:
                            actor = session.get(User, spec.actor_user_id)
                            if actor is None or not actor.active:
                                raise JobActorGone(f"user {spec.actor_user_id} lost access")
                        resolve(spec.func)(**spec.kwargs)
                        session.commit()
                return True
            except Exception as exc:
                session.rollback()
                permanent = isinstance(exc, JobActorGone)
                log.warning("job %s failed (attempt %s): %s", spec.func, spec.attempts, exc)
                if permanent or spec.attempts >= MAX_ATTEMPTS:
                    _record_failure(spec, exc)
                    return True  # recorded: do not retry further
                return False
    finally:
        write_intent.reset(write)
        if ctx:
            ctx.pop()


def _record_failure(spec: JobSpec, exc: BaseException) -> None:
    from .models import JobFailure

    with fresh_session() as session, unscoped("record job failure"):
        session.add(
            JobFailure(
                tenant_id=spec.tenant_id,
                name=spec.func,
                args={k: repr(v)[:500] for k, v in spec.kwargs.items()},
                attempts=spec.attempts,
                error="".join(traceback.format_exception(exc))[-4000:],
            )
        )
        session.commit()


class EagerJobs:
    """Runs each job at once, retrying in place. For tests and CLI commands."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def submit(self, spec: JobSpec) -> None:
        while not run_spec(self.app, spec):
            pass

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


class ThreadJobs:
    """One worker thread and one scheduler thread inside the web process."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.queue: queue.Queue[JobSpec | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()

    def submit(self, spec: JobSpec) -> None:
        self.queue.put(spec)
        self.start()

    def start(self) -> None:
        if self._threads:
            return
        worker = threading.Thread(target=self._work, name="portalis-jobs", daemon=True)
        worker.start()
        self._threads.append(worker)
        if self.app.config.get("SCHEDULER"):
            sched = threading.Thread(target=self._schedule, name="portalis-scheduler", daemon=True)
            sched.start()
            self._threads.append(sched)

    def stop(self) -> None:
        self._stop.set()
        self.queue.put(None)

    def join(self, timeout: float = 10.0) -> None:
        """Wait until the queue is empty (tests and CLI)."""
        deadline = time.monotonic() + timeout
        while self.queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.02)

    def _work(self) -> None:
        while not self._stop.is_set():
            spec = self.queue.get()
            try:
                if spec is None:
                    return
                if not run_spec(self.app, spec):
                    delay = 2**spec.attempts
                    threading.Timer(delay, self.queue.put, args=(spec,)).start()
            except Exception:  # never let the worker thread die
                log.exception("job runner crashed on %s", spec)
            finally:
                self.queue.task_done()

    def _schedule(self) -> None:
        scheduler = Scheduler(self.app, self.submit)
        while not self._stop.wait(15):
            scheduler.tick()


class Scheduler:
    """Enqueues each periodic job for each active tenant when it is due."""

    def __init__(self, app: Flask, submit: Callable[[JobSpec], None]) -> None:
        self.app = app
        self.submit = submit
        self.last_run: dict[str, dt.datetime] = {}

    def tick(self, now: dt.datetime | None = None) -> int:
        now = now or utcnow()
        queued = 0
        with self.app.app_context():
            portal = self.app.extensions["portalis"]
            due = [
                j
                for j in portal.periodic_jobs()
                if now - self.last_run.get(j.name, dt.datetime.min.replace(tzinfo=dt.UTC))
                >= j.every
            ]
            if not due:
                return 0
            from sqlalchemy import select

            from .models import Tenant

            with fresh_session() as session, unscoped("scheduler lists tenants"):
                tenant_ids = list(
                    session.scalars(
                        select(Tenant.id).where(Tenant.active.is_(True)).order_by(Tenant.id)
                    )
                )
            for job in due:
                self.last_run[job.name] = now
                for tid in tenant_ids:
                    self.submit(JobSpec(_path_of(job.func), tid, {}))
                    queued += 1
        return queued


class RQJobs:
    """Jobs through Redis Queue; ``portalis worker`` executes them."""

    def __init__(self, app: Flask) -> None:
        from redis import Redis
        from rq import Queue

        self.app = app
        self.redis = Redis.from_url(app.config["REDIS_URL"])
        self.queue_name = app.config.get("RQ_QUEUE", "portalis")
        self.queue = Queue(self.queue_name, connection=self.redis)

    def submit(self, spec: JobSpec) -> None:
        from rq import Retry

        self.queue.enqueue(
            rq_entry,
            spec,
            retry=Retry(max=MAX_ATTEMPTS - 1, interval=[2, 8]),
        )

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


class JobRetry(RuntimeError):
    """Raised to the RQ worker so it schedules the next attempt."""


def rq_entry(spec: JobSpec) -> None:
    """Executed by an RQ worker: the same :func:`run_spec` as every other backend (tenant
    scope, actor re-check, fresh session, failure record); raising asks RQ to retry."""
    from rq import get_current_job

    if not has_app_context():  # `portalis worker` runs RQ inside the app
        raise RuntimeError("Portalis jobs run under `portalis worker`, inside the app")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    job = get_current_job()
    if job is not None and job.retries_left is not None:
        spec.attempts = MAX_ATTEMPTS - 1 - job.retries_left  # run_spec adds this attempt
    if not run_spec(app, spec):
        raise JobRetry(f"{spec.func}: attempt {spec.attempts} failed, retrying")


def make_runner(app: Flask) -> EagerJobs | ThreadJobs | RQJobs:
    backend = app.config["JOBS_BACKEND"]
    if backend == "eager":
        return EagerJobs(app)
    if backend == "rq":
        if not app.config.get("REDIS_URL"):
            raise RuntimeError("JOBS_BACKEND=rq needs PORTALIS_REDIS_URL")
        return RQJobs(app)
    if backend == "thread":
        return ThreadJobs(app)
    raise RuntimeError(f"unknown JOBS_BACKEND {backend!r}")


def drain(app: Flask, timeout: float = 10.0) -> None:
    runner = app.extensions["portalis_jobs"]
    if isinstance(runner, ThreadJobs):
        runner.join(timeout)
