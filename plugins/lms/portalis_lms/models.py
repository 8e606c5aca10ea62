"""Training tables (all prefixed ``lms_``, all tenant-scoped).

What a vendor authors:

* :class:`Course` — a course of a program, with its audience (everyone in the program,
  chosen tiers, chosen partner companies, or hidden), publish and retire dates. Its title
  and summary exist per language (:class:`CourseTranslation`); partners get their language
  when it is there, else the course's default.
* :class:`Module` — a chapter of a course; :class:`Lesson` — one step of a module: text
  (Markdown), a video (uploaded or linked), a file from another plugin (the content
  library, through the linkable-items hooks), an external link, a SCORM 1.2 package or a
  quiz. A lesson with a ``language`` is shown only to people taking the course in that
  language (the German SCORM package beside the English one); ``""`` is for everyone.
* :class:`ScormPackage` — an uploaded, validated SCORM 1.2 package, unpacked in the
  tenant's file store under a generated folder name.
* :class:`Quiz`, :class:`Question`, :class:`Choice` — a question bank with its rules
  (pass mark, how many questions are drawn, attempts, cool-down, review).
* :class:`Path` — a learning path: an ordered set of courses (:class:`PathCourse`) whose
  completion issues a certification valid for ``validity_days``.
* :class:`Assignment` — "take this course" for a tier, a partner company or one person.

What partners' people do:

* :class:`Enrolment` — one person's run through a course (started, completed, where they
  left off). Recertification archives runs (``archived_at``) instead of deleting them.
* :class:`LessonProgress` — one person's completion of one lesson.
* :class:`QuizAttempt` — one attempt: the questions drawn and the order of their answers,
  fixed when it starts; the answers and the score once submitted (once only).
* :class:`ScormAttempt` — the SCORM runtime's data for one person and package lesson.
* :class:`Certificate` — issued when a path is completed; renewed by a new certificate,
  never by changing an old one's dates.

The invariants that matter are the database's: one open run per person and course, one
current certificate per person and path, one submission per attempt (enforced in
:mod:`quizzes` by a conditional update), a certificate code unique in the tenant. Every
foreign key is composite ``(tenant_id, x_id)``, so a row never points into another tenant.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKeyConstraint,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from portalis import api

#: Who sees a course or a path (the core's audience rule, shared with the content library).
VISIBILITIES = ("everyone", "tiers", "partners", "hidden")
#: What a lesson is.
LESSON_KINDS = ("text", "video", "file", "link", "scorm", "quiz")
#: Question types of a quiz.
QUESTION_KINDS = ("single", "multiple", "truefalse")
#: The core's file store folder for uploaded videos and unpacked SCORM packages.
FILE_KIND = "lms"
SCORM_KIND = "lms_scorm"


def _fk(column: str, table: str, *, ondelete: str | None = None) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["tenant_id", column], [f"{table}.tenant_id", f"{table}.id"], ondelete=ondelete
    )


_OPEN = text("archived_at IS NULL")
_CURRENT = text("superseded_at IS NULL AND revoked_at IS NULL")


# --- what the vendor authors -------------------------------------------------------------


class Course(api.TenantScoped, api.Base):
    __tablename__ = "lms_courses"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        _fk("program_id", "programs", ondelete="CASCADE"),
        _fk("created_by_id", "users"),
        Index("ix_lms_courses_program", "tenant_id", "program_id", "visibility", "position"),
        Index("ix_lms_courses_schedule", "tenant_id", "search_live", "publish_at", "retire_at"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    program_id: Mapped[int] = mapped_column(api.BigId)
    #: The language partners get when theirs isn't among the course's translations.
    default_language: Mapped[str] = mapped_column(String(16), default="en")
    #: "everyone" (the program's partners), "tiers", "partners" or "hidden"
    visibility: Mapped[str] = mapped_column(String(10), default="everyone")
    publish_at: Mapped[dt.datetime | None] = mapped_column(api.AwareDateTime)
    retire_at: Mapped[dt.datetime | None] = mapped_column(api.AwareDateTime)
    #: How long it takes, as the vendor estimates it (shown in the catalogue).
    estimated_minutes: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(api.BigId)
    created_at: Mapped[dt.datetime] = mapped_column(api.AwareDateTime, default=api.utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(api.AwareDateTime, default=api.utcnow)
    #: Whether its search documents were last written as open to partners (live and not
    #: hidden): the schedule job re-indexes courses whose publish or retire moment passed.
    search_live: Mapped[bool] = mapped_column(default=False)

    def is_live(self, now: dt.datetime) -> bool:
        """Published and not retired (audience aside)."""
        return (self.publish_at is None or self.publish_at <= now) and (
            self.retire_at is None or self.retire_at > now
        )


class CourseTranslation(api.TenantScoped, api.Base):
    """A course's title and summary in one language (a language variant)."""

    __tablename__ = "lms_course_translations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("course_id", "language"),
        _fk("course_id", "lms_courses", ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    course_id: Mapped[int] = mapped_column(api.BigId, index=True)
    language: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown.
    summary: Mapped[str] = mapped_column(Text, default="")


class CourseTier(api.TenantScoped, api.Base):
    """A tier that may take a course with visibility "tiers"."""

    __tablename__ = "lms_course_tiers"
    __table_args__ = (
        UniqueConstraint("course_id", "tier_id"),
        _fk("course_id", "lms_courses", ondelete="CASCADE"),
        _fk("tier_id", "tiers", ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    course_id: Mapped[int] = mapped_column(api.BigId, index=True)
    tier_id: Mapped[int] = mapped_column(api.BigId)


class CoursePartner(api.TenantScoped, api.Base):
    """A partner company that may take a course with visibility "partners"."""

    __tablename__ = "lms_course_partners"
    __table_args__ = (
        UniqueConstraint("course_id", "partner_id"),
        _fk("course_id", "lms_courses", ondelete="CASCADE"),
        _fk("partner_id", "partners", ondelete="CASCADE"),
        Index("ix_lms_course_partners_partner", "tenant_id", "partner_id"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    course_id: Mapped[int] = mapped_column(api.BigId, index=True)
    partner_id: Mapped[int] = mapped_column(api.BigId)


class Module(api.TenantScoped, api.Base):
    __tablename__ = "lms_modules"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        _fk("course_id", "lms_courses", ondelete="CASCADE"),
        Index("ix_lms_modules_course", "tenant_id", "course_id", "position"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    course_id: Mapped[int] = mapped_column(api.BigId)
    title: Mapped[str] = mapped_column(String(200))
    #: The title in other languages: {"de": "…"} (shown with ``localized``).
    title_i18n: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)


class ScormPackage(api.TenantScoped, api.Base):
    """A validated SCORM 1.2 package, unpacked under ``<UPLOAD_DIR>/<tenant>/lms_scorm/
    <folder>/`` (a generated name, never the uploader's)."""

    __tablename__ = "lms_scorm_packages"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "folder"),
        _fk("course_id", "lms_courses", ondelete="CASCADE"),
        _fk("uploaded_by_id", "users"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    course_id: Mapped[int] = mapped_column(api.BigId, index=True)
    folder: Mapped[str] = mapped_column(String(64))
    #: The manifest's organisation title.
    title: Mapped[str] = mapped_column(String(200))
    #: The launch file of the first SCO, relative to the package folder (checked to stay in it).
    launch_path: Mapped[str] = mapped_column(String(500))
    #: The uploaded zip's file name, cleaned (shown to the vendor).
    filename: Mapped[str] = mapped_column(String(255))
    file_count: Mapped[int] = mapped_column(default=0)
    total_size: Mapped[int] = mapped_column(default=0)
    #: cmi.student_data.mastery_score from the manifest, if any (0–100).
    mastery_score: Mapped[int | None]
    uploaded_by_id: Mapped[int | None] = mapped_column(api.BigId)
    created_at: Mapped[dt.datetime] = mapped_column(api.AwareDateTime, default=api.utcnow)


class Quiz(api.TenantScoped, api.Base):
    """A question bank and the rules of taking it."""

    __tablename__ = "lms_quizzes"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        _fk("course_id", "lms_courses", ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    course_id: Mapped[int] = mapped_column(api.BigId, index=True)
    title: Mapped[str] = mapped_column(String(200))
    #: Share of correct answers needed to pass, in percent (1–100).
    pass_mark: Mapped[int] = mapped_column(default=80)
    #: How many questions each attempt draws at random from the bank (None: all of them).
    draw_count: Mapped[int | None]
    #: Attempts a person has (None: as many as they like).
    max_attempts: Mapped[int | None]
    #: Minutes to wait after a failed attempt before the next.
    cooldown_minutes: Mapped[int] = mapped_column(default=0)
    #: Whether a submitted attempt shows which answers were right.
    review_answers: Mapped[bool] = mapped_column(default=True)
    shuffle_answers: Mapped[bool] = mapped_column(default=True)


class Question(api.TenantScoped, api.Base):
    __tablename__ = "lms_questions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        _fk("quiz_id", "lms_quizzes", ondelete="CASCADE"),
        Index("ix_lms_questions_quiz", "tenant_id", "quiz_id", "position"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    quiz_id: Mapped[int] = mapped_column(api.BigId)
    #: "single", "multiple" or "truefalse"
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    #: Shown after submission where the quiz allows review.
    explanation: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    #: Retired questions are no longer drawn; attempts that drew them keep them.
    active: Mapped[bool] = mapped_column(default=True)


class Choice(api.TenantScoped, api.Base):
    __tablename__ = "lms_choices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        _fk("question_id", "lms_questions", ondelete="CASCADE"),
        Index("ix_lms_choices_question", "tenant_id", "question_id", "position"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    question_id: Mapped[int] = mapped_column(api.BigId)
    text: Mapped[str] = mapped_column(String(500))
    correct: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)


class Lesson(api.TenantScoped, api.Base):
    __tablename__ = "lms_lessons"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        _fk("course_id", "lms_courses", ondelete="CASCADE"),
        _fk("module_id", "lms_modules", ondelete="CASCADE"),
        _fk("package_id", "lms_scorm_packages"),
        _fk("quiz_id", "lms_quizzes"),
        Index("ix_lms_lessons_module", "tenant_id", "module_id", "position"),
        Index("ix_lms_lessons_course", "tenant_id", "course_id"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    course_id: Mapped[int] = mapped_column(api.BigId)
    module_id: Mapped[int] = mapped_column(api.BigId)
    #: "" for everyone, else only for people taking the course in this language.
    language: Mapped[str] = mapped_column(String(16), default="")
    #: One of LESSON_KINDS.
    kind: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown (text lessons; an introduction for the others).
    body: Mapped[str] = mapped_column(Text, default="")
    #: A linked video or an external link (https only).
    url: Mapped[str] = mapped_column(String(2000), default="")
    #: An uploaded video in the file store (FILE_KIND), and its type (mp4, webm).
    stored_name: Mapped[str | None] = mapped_column(String(64))
    file_type: Mapped[str | None] = mapped_column(String(10))
    #: A file of another plugin: the reference its linkable-items hook gave ("content:12").
    link_ref: Mapped[str | None] = mapped_column(String(100))
    package_id: Mapped[int | None] = mapped_column(api.BigId)
    quiz_id: Mapped[int | None] = mapped_column(api.BigId)
    #: Whether completing the course needs this lesson.
    required: Mapped[bool] = mapped_column(default=True)
    minutes: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)


class Path(api.TenantScoped, api.Base):
    """A learning path and the certification it leads to."""

    __tablename__ = "lms_paths"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        _fk("program_id", "programs", ondelete="CASCADE"),
        Index("ix_lms_paths_program", "tenant_id", "program_id", "position"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    program_id: Mapped[int] = mapped_column(api.BigId)
    title: Mapped[str] = mapped_column(String(200))
    title_i18n: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: Markdown.
    description: Mapped[str] = mapped_column(Text, default="")
    #: The certification's name on the certificate ("Certified Sales Professional").
    certification: Mapped[str] = mapped_column(String(200))
    certification_i18n: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: How long a certificate is valid (None: it never expires).
    validity_days: Mapped[int | None]
    #: Days before expiry on which the holder is reminded, e.g. [60, 30, 7].
    reminder_days: Mapped[list[int]] = mapped_column(JSON, default=lambda: [60, 30, 7])
    visibility: Mapped[str] = mapped_column(String(10), default="everyone")
    publish_at: Mapped[dt.datetime | None] = mapped_column(api.AwareDateTime)
    retire_at: Mapped[dt.datetime | None] = mapped_column(api.AwareDateTime)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(api.AwareDateTime, default=api.utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(api.AwareDateTime, default=api.utcnow)

    def is_live(self, now: dt.datetime) -> bool:
        return (self.publish_at is None or self.publish_at <= now) and (
            self.retire_at is None or self.retire_at > now
        )


class PathCourse(api.TenantScoped, api.Base):
    __tablename__ = "lms_path_courses"
    __table_args__ = (
        UniqueConstraint("path_id", "course_id"),
        _fk("path_id", "lms_paths", ondelete="CASCADE"),
        _fk("course_id", "lms_courses", ondelete="CASCADE"),
        Index("ix_lms_path_courses_course", "tenant_id", "course_id"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    path_id: Mapped[int] = mapped_column(api.BigId, index=True)
    course_id: Mapped[int] = mapped_column(api.BigId)
    position: Mapped[int] = mapped_column(default=0)


class PathTier(api.TenantScoped, api.Base):
    __tablename__ = "lms_path_tiers"
    __table_args__ = (
        UniqueConstraint("path_id", "tier_id"),
        _fk("path_id", "lms_paths", ondelete="CASCADE"),
        _fk("tier_id", "tiers", ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    path_id: Mapped[int] = mapped_column(api.BigId, index=True)
    tier_id: Mapped[int] = mapped_column(api.BigId)


class PathPartner(api.TenantScoped, api.Base):
    __tablename__ = "lms_path_partners"
    __table_args__ = (
        UniqueConstraint("path_id", "partner_id"),
        _fk("path_id", "lms_paths", ondelete="CASCADE"),
        _fk("partner_id", "partners", ondelete="CASCADE"),
        Index("ix_lms_path_partners_partner", "tenant_id", "partner_id"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    path_id: Mapped[int] = mapped_column(api.BigId, index=True)
    partner_id: Mapped[int] = mapped_column(api.BigId)


class Assignment(api.TenantScoped, api.Base):
    """ "Take this course": for a tier, a partner company or one person (exactly one of
    ``tier_id``, ``partner_id``, ``user_id``), optionally by a date."""

    __tablename__ = "lms_assignments"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        _fk("course_id", "lms_courses", ondelete="CASCADE"),
        _fk("tier_id", "tiers", ondelete="CASCADE"),
        _fk("partner_id", "partners", ondelete="CASCADE"),
        _fk("user_id", "users", ondelete="CASCADE"),
        _fk("assigned_by_id", "users"),
        Index("ix_lms_assignments_user", "tenant_id", "user_id"),
        Index("ix_lms_assignments_partner", "tenant_id", "partner_id"),
        Index("ix_lms_assignments_tier", "tenant_id", "tier_id"),
        Index("ix_lms_assignments_course", "tenant_id", "course_id"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    course_id: Mapped[int] = mapped_column(api.BigId)
    tier_id: Mapped[int | None] = mapped_column(api.BigId)
    partner_id: Mapped[int | None] = mapped_column(api.BigId)
    user_id: Mapped[int | None] = mapped_column(api.BigId)
    due_at: Mapped[dt.datetime | None] = mapped_column(api.AwareDateTime)
    assigned_by_id: Mapped[int | None] = mapped_column(api.BigId)
    created_at: Mapped[dt.datetime] = mapped_column(api.AwareDateTime, default=api.utcnow)


# --- what partners' people do ------------------------------------------------------------


class Enrolment(api.TenantScoped, api.Base):
    """One person's run through a course. At most one open run (``archived_at`` empty) per
    person and course — the database says so."""

    __tablename__ = "lms_enrolments"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        _fk("course_id", "lms_courses", ondelete="CASCADE"),
        _fk("user_id", "users", ondelete="CASCADE"),
        _fk("partner_id", "partners", ondelete="CASCADE"),
        _fk("last_lesson_id", "lms_lessons", ondelete="SET NULL"),
        Index(
            "uq_lms_enrolments_open",
            "tenant_id",
            "course_id",
            "user_id",
            unique=True,
            postgresql_where=_OPEN,
            sqlite_where=_OPEN,
        ),
        Index("ix_lms_enrolments_user", "tenant_id", "user_id", "archived_at"),
        # tier metric and reports: completions per partner in a window
        Index("ix_lms_enrolments_partner", "tenant_id", "partner_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    course_id: Mapped[int] = mapped_column(api.BigId)
    user_id: Mapped[int] = mapped_column(api.BigId)
    partner_id: Mapped[int] = mapped_column(api.BigId)
    #: The language the person takes the course in (decides the lessons shown).
    language: Mapped[str] = mapped_column(String(16), default="en")
    started_at: Mapped[dt.datetime] = mapped_column(api.AwareDateTime, default=api.utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(api.AwareDateTime)
    #: Where to resume.
    last_lesson_id: Mapped[int | None] = mapped_column(api.BigId)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(api.AwareDateTime)
    #: Set when a recertification starts over: the run stays as history.
    archived_at: Mapped[dt.datetime | None] = mapped_column(api.AwareDateTime)


class LessonProgress(api.TenantScoped, api.Base):
    """One person's completion of one lesson within a run."""

    __tablename__ = "lms_lesson_progress"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "lesson_id"),
        _fk("enrolment_id", "lms_enrolments", ondelete="CASCADE"),
        _fk("lesson_id", "lms_lessons", ondelete="CASCADE"),
        _fk("user_id", "users", ondelete="CASCADE"),
        _fk("partner_id", "partners", ondelete="CASCADE"),
        Index("ix_lms_lesson_progress_user", "tenant_id", "user_id", "completed_at"),
        Index("ix_lms_lesson_progress_partner", "tenant_id", "partner_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(api.BigId)
    lesson_id: Mapped[int] = mapped_column(api.BigId)
    user_id: Mapped[int] = mapped_column(api.BigId)
    partner_id: Mapped[int] = mapped_column(api.BigId)
    completed_at: Mapped[dt.datetime] = mapped_column(api.AwareDateTime, default=api.utcnow)


class QuizAttempt(api.TenantScoped, api.Base):
    __tablename__ = "lms_quiz_attempts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        _fk("quiz_id", "lms_quizzes", ondelete="CASCADE"),
        _fk("lesson_id", "lms_lessons", ondelete="CASCADE"),
        _fk("enrolment_id", "lms_enrolments", ondelete="CASCADE"),
        _fk("user_id", "users", ondelete="CASCADE"),
        _fk("partner_id", "partners", ondelete="CASCADE"),
        Index("ix_lms_quiz_attempts_user", "tenant_id", "user_id", "quiz_id", "started_at"),
        # at most one attempt in progress per person and quiz
        Index(
            "uq_lms_quiz_attempts_open",
            "tenant_id",
            "quiz_id",
            "user_id",
            unique=True,
            postgresql_where=text("submitted_at IS NULL AND archived_at IS NULL"),
            sqlite_where=text("submitted_at IS NULL AND archived_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    quiz_id: Mapped[int] = mapped_column(api.BigId)
    lesson_id: Mapped[int] = mapped_column(api.BigId)
    enrolment_id: Mapped[int] = mapped_column(api.BigId)
    user_id: Mapped[int] = mapped_column(api.BigId)
    partner_id: Mapped[int] = mapped_column(api.BigId)
    #: 1, 2, … per person, quiz and run.
    number: Mapped[int] = mapped_column(default=1)
    #: Drawn when the attempt starts: [{"question": id, "choices": [id, …] in shown order}].
    drawn: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: What was submitted: {"<question id>": [choice id, …]}.
    answers: Mapped[dict[str, list[int]]] = mapped_column(JSON, default=dict)
    started_at: Mapped[dt.datetime] = mapped_column(api.AwareDateTime, default=api.utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(api.AwareDateTime)
    #: Share of questions answered right, in percent, once submitted.
    score: Mapped[int | None]
    passed: Mapped[bool | None]
    archived_at: Mapped[dt.datetime | None] = mapped_column(api.AwareDateTime)


class ScormAttempt(api.TenantScoped, api.Base):
    """The SCORM 1.2 runtime's data for one person, package lesson and run."""

    __tablename__ = "lms_scorm_attempts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("enrolment_id", "lesson_id"),
        _fk("enrolment_id", "lms_enrolments", ondelete="CASCADE"),
        _fk("lesson_id", "lms_lessons", ondelete="CASCADE"),
        _fk("package_id", "lms_scorm_packages", ondelete="CASCADE"),
        _fk("user_id", "users", ondelete="CASCADE"),
        _fk("partner_id", "partners", ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(api.BigId)
    lesson_id: Mapped[int] = mapped_column(api.BigId)
    package_id: Mapped[int] = mapped_column(api.BigId)
    user_id: Mapped[int] = mapped_column(api.BigId)
    partner_id: Mapped[int] = mapped_column(api.BigId)
    #: cmi.core.lesson_status: not attempted, incomplete, completed, passed, failed, browsed
    lesson_status: Mapped[str] = mapped_column(String(16), default="not attempted")
    score_raw: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    score_min: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    score_max: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    #: cmi.core.total_time, accumulated from each session's cmi.core.session_time.
    total_seconds: Mapped[int] = mapped_column(default=0)
    lesson_location: Mapped[str] = mapped_column(String(255), default="")
    suspend_data: Mapped[str] = mapped_column(Text, default="")
    #: The other cmi elements the package set (e.g. interactions), as the runtime keeps them.
    data: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    initialized_at: Mapped[dt.datetime | None] = mapped_column(api.AwareDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(api.AwareDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(api.AwareDateTime, default=api.utcnow)


class Certificate(api.TenantScoped, api.Base):
    """Proof that a person completed a path. Renewal issues a new certificate (a new
    issue date) and marks this one ``superseded_at``; revoking sets ``revoked_at``. At most
    one current certificate per person and path — the database says so."""

    __tablename__ = "lms_certificates"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "code"),
        _fk("path_id", "lms_paths", ondelete="CASCADE"),
        _fk("user_id", "users", ondelete="CASCADE"),
        _fk("partner_id", "partners", ondelete="CASCADE"),
        _fk("superseded_by_id", "lms_certificates"),
        Index(
            "uq_lms_certificates_current",
            "tenant_id",
            "path_id",
            "user_id",
            unique=True,
            postgresql_where=_CURRENT,
            sqlite_where=_CURRENT,
        ),
        # tier metric: active certificates per partner; the expiry and reminder jobs
        Index("ix_lms_certificates_partner", "tenant_id", "partner_id", "expires_at"),
        Index("ix_lms_certificates_expiry", "tenant_id", "expires_at"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    path_id: Mapped[int] = mapped_column(api.BigId)
    user_id: Mapped[int] = mapped_column(api.BigId)
    partner_id: Mapped[int] = mapped_column(api.BigId)
    #: The public verification code (random, unguessable) in the verification URL.
    code: Mapped[str] = mapped_column(String(32))
    #: What the certificate says, as issued (a later rename changes neither).
    holder_name: Mapped[str] = mapped_column(String(200))
    certification: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[dt.datetime] = mapped_column(api.AwareDateTime, default=api.utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(api.AwareDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(api.AwareDateTime)
    revoked_reason: Mapped[str] = mapped_column(String(500), default="")
    superseded_at: Mapped[dt.datetime | None] = mapped_column(api.AwareDateTime)
    superseded_by_id: Mapped[int | None] = mapped_column(api.BigId)
    #: Reminder offsets (days before expiry) already mailed, so a job run twice mails once.
    reminders_sent: Mapped[list[int]] = mapped_column(JSON, default=list)
    #: The smallest reminder offset whose moment has passed and was dealt with (mailed,
    #: marked, or came before the certificate was issued): the hourly job loads the
    #: certificate again only once a smaller offset comes due. ``None``: none yet.
    reminded_down_to: Mapped[int | None] = mapped_column()
    #: When the "expired" event was emitted (once).
    expiry_noted_at: Mapped[dt.datetime | None] = mapped_column(api.AwareDateTime)
