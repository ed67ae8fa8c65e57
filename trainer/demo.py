"""Demo data for `trainer demo` and `make run`: an organisation a new user can explore."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import select

from trainer.admin.service import create_user
from trainer.db import get_session
from trainer.domain.questions import in_lang
from trainer.models import Organisation, Quiz, Role, Store, User

ORGANISATION = "示范零售有限公司 Demo Retail Co."
STORES = [
    ("S001", "中心店 Central"),
    ("S002", "江畔店 Riverside"),
    ("S003", "机场店 Airport"),
]
# (username, name, role, stores, language). Demo passwords are public by design: this is a demo,
# so each account must change it at first sign-in (see create_demo).
STAFF = [
    ("admin", "系统管理员 Site Admin", Role.ADMIN, [], "en"),
    ("compliance", "合规专员 周淼 Zhou Miao", Role.COMPLIANCE, [], "zh"),
    ("supervisor1", "主管 王喆 Wang Zhe", Role.SUPERVISOR, ["S001", "S002"], "zh"),
    ("supervisor2", "Supervisor Emma Clarke", Role.SUPERVISOR, ["S003"], "en"),
]
CASHIER_NAMES = [
    "李堃",
    "张犇",
    "陈淼",
    "刘德华",
    "Sam Taylor",
    "赵敏",
    "黄雨桐",
    "Priya Nair",
    "孙浩然",
    "吴欣怡",
    "José Müller",
    "郑子墨",
    "林晓峰",
    "Chloe Martin",
    "何嘉怡",
]


#: Words for the demo passwords: passphrases the site's own password policy accepts.
_WORDS = ("amber", "lantern", "harbour", "meadow", "copper", "willow", "granite", "orchid")


def demo_password(username: str) -> str:
    """The printed password of a demo account: the same on every installation, and one the
    password policy accepts (no username or name in it, not a common password)."""
    digest = hashlib.sha256(username.encode()).digest()
    first, second = _WORDS[digest[0] % len(_WORDS)], _WORDS[digest[1] % len(_WORDS)]
    return f"{first}-{second}-{int.from_bytes(digest[2:4], 'big') % 9000 + 1000}"


def create_demo(
    staff: int = 10, *, keep_passwords: bool = False
) -> tuple[list[tuple[str, str, str]], list[str], list[str]]:
    """Create what is missing of the demo organisation, once; never change what exists.

    Returns the sign-ins that work with their printed password, the demo accounts whose
    password their holder changed (so no longer printed), and what history was made.
    New demo accounts must change their password at first sign-in (their passwords are
    public), unless ``keep_passwords`` (`trainer demo --keep-demo-passwords`).
    """
    session = get_session()
    if session.scalar(select(Organisation.id)) is None:
        session.add(Organisation(name=ORGANISATION))
    stores = {s.code: s for s in session.scalars(select(Store))}
    for code, name in STORES:
        if code not in stores:
            stores[code] = Store(code=code, name=name)
            session.add(stores[code])
    session.flush()

    people = list(STAFF)
    for i in range(staff):
        base = CASHIER_NAMES[i % len(CASHIER_NAMES)]
        name = base if i < len(CASHIER_NAMES) else f"{base} {i // len(CASHIER_NAMES) + 1}"
        store = STORES[i % len(STORES)][0]
        people.append((f"cashier{i + 1:02d}", name, Role.CASHIER, [store], None))

    logins, changed = [], []
    for number, (username, name, role, store_codes, language) in enumerate(people, 1):
        password = demo_password(username)
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = create_user(
                session,
                username=username,
                name=name,
                role=role,
                stores=[stores[c] for c in store_codes],
                language=language,
                employee_no=f"E{number:05d}",
                password=password,
            ).user
            user.must_change_password = not keep_passwords
        elif not (user.active and user.check_password(password)):
            # Changed or deactivated by someone: theirs to keep, and no longer a demo sign-in.
            changed.append(username)
            continue
        logins.append((username, password, role.value))
    session.commit()
    return logins, changed, create_demo_history(session)


def _correct_response(question: dict, layout: dict) -> dict | None:
    """A right answer for a question, as the attempt page would send it (demo data only)."""
    kind = question["type"]
    if kind == "single":
        return {"choice": next(o["id"] for o in question["options"] if o.get("correct"))}
    if kind == "multiple":
        return {"choices": [o["id"] for o in question["options"] if o.get("correct")]}
    if kind == "truefalse":
        return {"value": bool(question["answer"])}
    if kind == "ordering":
        return {"order": [s["id"] for s in question["steps"]]}
    if kind == "numeric":
        answer = max(question["answers"], key=lambda a: a.get("fraction", 1))
        value = answer.get("value")
        return {"value": str(value if value is not None else answer.get("min"))}
    if kind == "matching":
        rights = layout.get("rights", [])
        return {"pairs": {str(i): f"r{rights.index(i)}" for i in range(len(question["pairs"]))}}
    if kind == "short":
        return {"text": max(question["answers"], key=lambda a: a.get("fraction", 1))["text"]}
    if kind == "essay":  # graded by a supervisor afterwards (_grade_essays)
        return {
            "text": "Demo answer, written along the rubric: " + in_lang(question["rubric"], "en")
        }
    if kind == "scenario":
        steps = {s["id"]: s for s in question["steps"]}
        path, step_id = [], question["start"]
        while step_id:
            option = max(steps[step_id]["options"], key=lambda o: o.get("points", 0))
            path.append([step_id, option["id"]])
            step_id = option.get("next")
        return {"path": path}
    return None


def _pass_quiz(session, user: User, quiz_slug: str, *, miss: int = 1, when: datetime | None = None):
    """Take a quiz through the real engine, answering all but ``miss`` questions right.

    ``when`` backdates the attempt (demo history); the answers take a few minutes.
    """
    from trainer.quizzes.service import advance_scenario, save_responses, start_attempt, submit

    quiz = session.scalar(select(Quiz).where(Quiz.slug == quiz_slug))
    answered = None if when is None else when + timedelta(minutes=6)
    attempt = start_attempt(session, user, quiz, now=when)
    responses = {
        item.position: _correct_response(item.question, item.layout)
        for item in attempt.items[miss:]
    }
    save_responses(session, attempt, responses, now=answered)
    for item in attempt.items[miss:]:
        if item.question["type"] == "scenario":
            for step_id, option_id in responses[item.position]["path"]:
                advance_scenario(session, attempt, item.position, step_id, option_id, now=answered)
    session.flush()
    submit(session, attempt, now=answered)
    _grade_essays(session, attempt, user)
    return attempt


def _grade_essays(session, attempt, learner: User) -> None:
    """A supervisor of the learner's store grades the essay answers, as they would in the queue
    (full marks: demo answers are model answers)."""
    from trainer.domain import questions
    from trainer.models import Attempt, AttemptStatus, Role
    from trainer.quizzes.review import grade_essay

    row = session.get(Attempt, attempt.id)  # the engine submitted it with Core statements
    session.refresh(row)
    if row.status is not AttemptStatus.AWAITING_REVIEW:
        return
    store_ids = {store.id for store in learner.stores}
    supervisors = session.scalars(select(User).where(User.role == Role.SUPERVISOR)).all()
    reviewer = next((s for s in supervisors if store_ids & {x.id for x in s.stores}), None)
    reviewer = reviewer or session.scalar(select(User).where(User.role == Role.ADMIN).limit(1))
    for item in row.items:
        if item.status == questions.NEEDS_REVIEW:
            grade_essay(session, item, item.max_score, None, reviewer)


def _read_and_acknowledge(session, user: User, code: str) -> None:
    from trainer.courses.service import acknowledge, course_by_code, mark_read

    course, version = course_by_code(session, code)
    for lesson in version.lessons:
        mark_read(session, user, course, version, lesson.slug)
    session.flush()
    acknowledge(session, user, course, version)


def create_demo_history(session) -> list[str]:
    """Passed attempts and certificates for the first demo cashiers (idempotent).

    cashier01 and cashier02 hold valid certificates, cashier03 an expired one and cashier04
    a revoked one, so a new installation shows every certificate state right away.
    """
    from trainer.certificates.service import check_and_issue, issue, revoke
    from trainer.db import utcnow
    from trainer.models import Attempt, Certificate, Course, RevocationReason

    course = session.scalar(select(Course).where(Course.code == "payment-errors"))
    if course is None or course.current_version is None:
        return ["(no courses loaded: run `trainer db upgrade` for demo certificates)"]
    admin = session.scalar(select(User).where(User.username == "compliance"))
    notes = []
    for username in ("cashier01", "cashier02", "cashier03", "cashier04"):
        user = session.scalar(select(User).where(User.username == username))
        if user is None or session.scalar(
            select(Certificate.id).where(Certificate.user_id == user.id).limit(1)
        ):
            continue
        if session.scalar(select(Attempt.id).where(Attempt.user_id == user.id).limit(1)):
            continue  # run before: a quiz once is enough (a second would meet the cool-down)
        _read_and_acknowledge(session, user, "payment-errors")
        if username in ("cashier01", "cashier02"):
            _pass_quiz(session, user, "payment-errors-quiz", miss=int(username == "cashier02"))
            session.commit()
            certificate = check_and_issue(session, user, course_code="payment-errors")
            if certificate:
                notes.append(f"{username}: valid certificate {certificate.serial}")
        elif username == "cashier03":
            issued = utcnow() - timedelta(days=400)
            certificate = issue(
                session,
                user,
                course,
                course.current_version,
                score=85.0,
                actor=admin,
                issued_at=issued,
            )
            notes.append(f"{username}: expired certificate {certificate.serial}")
        else:
            certificate = issue(
                session, user, course, course.current_version, score=90.0, actor=admin
            )
            revoke(
                session,
                certificate,
                reason=RevocationReason.ISSUED_IN_ERROR,
                note="Demo: issued to the wrong person",
                actor=admin,
            )
            notes.append(f"{username}: revoked certificate {certificate.serial}")
        session.commit()
    return notes + create_recent_history(session, course, admin)


#: A few weeks of practice for cashier05 onwards, so the reports have something to show:
#: (quiz, days ago, questions answered wrong) per attempt; the pattern repeats every six people.
HISTORY_PATTERNS = [
    [("payment-errors-quiz", 20, 7), ("payment-errors-quiz", 12, 2)],  # failed, then passed
    [("payment-errors-quiz", 18, 8), ("payment-errors-quiz", 9, 5)],  # failed twice
    [("payment-errors-quiz", 6, 1), ("emergency-quiz", 3, 4)],  # passed first time
    [("card-security-quiz", 15, 3), ("payment-errors-quiz", 4, 6)],
    [("emergency-quiz", 25, 9), ("emergency-quiz", 11, 3)],
    [("payment-errors-quiz", 27, 5)],  # and a certificate that expires in a fortnight
]


def create_recent_history(session, course, admin: User) -> list[str]:
    """Backdated attempts (passes and failures) for cashier05 onwards; idempotent.

    People who already have an attempt are left alone, so running the demo again, or after
    someone used a demo account, changes nothing they did. Passing the course quiz earns the
    certificate on that day; the sixth pattern holds one issued almost a year ago, which the
    gap report and the certificate list show as expiring soon.
    """
    from trainer.certificates.service import add_months, issue
    from trainer.db import utcnow
    from trainer.models import Attempt

    now = utcnow()
    notes = []
    cashiers = session.scalars(
        select(User).where(User.username.like("cashier%")).order_by(User.username)
    ).all()
    quizzes = set(session.scalars(select(Quiz.slug).where(Quiz.active)))
    for index, user in enumerate(c for c in cashiers if c.username >= "cashier05"):
        if session.scalar(select(Attempt.id).where(Attempt.user_id == user.id).limit(1)):
            continue
        pattern = HISTORY_PATTERNS[index % len(HISTORY_PATTERNS)]
        passed_course, score = None, 88.0
        for slug, days_ago, wrong in pattern:
            if slug not in quizzes:
                continue
            attempt = _pass_quiz(
                session, user, slug, miss=wrong, when=now - timedelta(days=days_ago)
            )
            session.commit()
            notes.append(f"{user.username}: {slug} {attempt.percent}% {days_ago} days ago")
            if slug == "payment-errors-quiz" and attempt.passed:
                passed_course, score = attempt.submitted_at, attempt.percent
        if index % len(HISTORY_PATTERNS) == len(HISTORY_PATTERNS) - 1:
            months = course.current_version.certificate_validity_months
            passed_course = add_months(now + timedelta(days=14), -months)  # expires in 14 days
        if passed_course is not None:
            _read_and_acknowledge(session, user, course.code)
            certificate = issue(
                session,
                user,
                course,
                course.current_version,
                score=score,
                actor=admin,
                issued_at=passed_course,
            )
            notes.append(f"{user.username}: certificate {certificate.serial}")
            session.commit()
    return notes
