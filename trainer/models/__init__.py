"""Typed SQLAlchemy models, one module per area; import them from here."""

from trainer.models.attempts import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    ItemSum,
    MonthSum,
    QuizSum,
    TopicSum,
)
from trainer.models.audit import AuditEvent, Job
from trainer.models.certificates import ApiClient, Certificate, Counter, RevocationReason
from trainer.models.content import (
    Acknowledgement,
    Course,
    CourseVersion,
    Lesson,
    LessonRead,
    Question,
    QuestionBank,
    QuestionVersion,
    Quiz,
    Section,
)
from trainer.models.drills import Drill, DrillParticipant, DrillRun
from trainer.models.limits import RateLimitCount
from trainer.models.people import Organisation, Role, Store, User, user_stores
from trainer.models.simulator import SimRun
from trainer.models.tracking import (
    Assignment,
    AssignmentSource,
    MatrixCell,
    MatrixStale,
    NoticeKind,
    Notification,
    OnboardingRule,
    OnTimeOutcome,
    TargetKind,
)

__all__ = [
    "Acknowledgement",
    "ApiClient",
    "Assignment",
    "AssignmentSource",
    "Attempt",
    "AttemptItem",
    "AttemptStatus",
    "AuditEvent",
    "Certificate",
    "Counter",
    "Course",
    "CourseVersion",
    "Drill",
    "DrillParticipant",
    "DrillRun",
    "ItemSum",
    "Job",
    "Lesson",
    "LessonRead",
    "MatrixCell",
    "MatrixStale",
    "MonthSum",
    "NoticeKind",
    "Notification",
    "OnTimeOutcome",
    "OnboardingRule",
    "Organisation",
    "Question",
    "QuestionBank",
    "QuestionVersion",
    "Quiz",
    "QuizSum",
    "RateLimitCount",
    "RevocationReason",
    "Role",
    "Section",
    "SimRun",
    "Store",
    "TargetKind",
    "TopicSum",
    "User",
    "user_stores",
]
