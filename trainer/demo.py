"""Demo data for `trainer demo` and `make run`: an organisation a new user can explore."""

from __future__ import annotations

from sqlalchemy import select

from trainer.admin.service import create_user
from trainer.db import get_session
from trainer.models import Organisation, Role, Store, User

ORGANISATION = "示范零售有限公司 Demo Retail Co."
STORES = [
    ("S001", "中心店 Central"),
    ("S002", "江畔店 Riverside"),
    ("S003", "机场店 Airport"),
]
# (username, name, role, stores, language). Demo passwords are public by design: this is a demo.
STAFF = [
    ("admin", "系统管理员 Site Admin", Role.ADMIN, [], "en"),
    ("compliance", "合规专员 周淼 Zhou Miao", Role.COMPLIANCE, [], "zh"),
    ("supervisor1", "主管 王喆 Wang Zhe", Role.SUPERVISOR, ["S001", "S002"], "zh"),
    ("supervisor2", "Supervisor Emma Clarke", Role.SUPERVISOR, ["S003"], "en"),
]
CASHIER_NAMES = [
    "李堃", "张犇", "陈淼", "刘德华", "Sam Taylor", "赵敏", "黄雨桐", "Priya Nair",
    "孙浩然", "吴欣怡", "José Müller", "郑子墨", "林晓峰", "Chloe Martin", "何嘉怡",
]


def demo_password(username: str) -> str:
    """The printed password of a demo account."""
    return f"demo-{username}-2026"


def create_demo(staff: int = 10) -> list[tuple[str, str, str]]:
    """Create or refresh the demo organisation; return (username, password, role) rows."""
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

    logins = []
    for username, name, role, store_codes, language in people:
        password = demo_password(username)
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            create_user(
                session, username=username, name=name, role=role,
                stores=[stores[c] for c in store_codes], language=language,
                employee_no=f"E{len(logins) + 1:05d}", password=password,
            )
        elif not user.check_password(password):
            # Re-running the demo makes every printed login work again.
            user.set_password(password)
            user.must_change_password = False
            user.active = True
        logins.append((username, password, role.value))
    session.commit()
    return logins
