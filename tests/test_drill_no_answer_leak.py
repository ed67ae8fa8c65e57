"""Before an answer the step pages of every shipped drill reveal nothing about it, in either
language: no feedback, harm or key rule, no option or item id, and no stable order of options.
"""

from __future__ import annotations

import html as htmlmod
import random
import re

import pytest

from tests.helpers import csrf_token, login_as
from trainer.courses.importer import import_shipped_content
from trainer.domain.drills import resolve_choice
from trainer.drills import service
from trainer.models import Drill

_CHOICE = re.compile(r'name="choice" value="([^"]+)"')
_RANK = re.compile(r'name="rank-([^"]+)"')


@pytest.fixture
def shipped(app, people):
    import_shipped_content(app)


def _secrets(step) -> list[str]:
    texts = [step.rule]
    for option in step.options:
        texts += [option.feedback, option.critical or {}, option.consequence or {}]
    found = [value for text in texts for value in text.values()]
    ids = [f'value="{o.id}"' for o in step.options] + [f'rank-{i.id}"' for i in step.items]
    return found + ids


def test_no_step_of_any_shipped_drill_gives_its_answer_away(app, session, people, shipped):
    client = app.test_client()
    login_as(client, people["cashier"])
    rng = random.Random(3)
    drills = session.query(Drill).filter(Drill.active).all()
    assert len(drills) >= 7
    for index, row in enumerate(drills):
        token = csrf_token(client, "/drills/")
        # Half the drills in each language; the secrets are looked for in both.
        client.post("/language", data={"language": ("zh", "en")[index % 2], "csrf_token": token})
        pid = int(
            client.post(f"/drills/{row.slug}/practice", data={"csrf_token": token}).location.rsplit(
                "/", 1
            )[1]
        )
        while True:
            page = client.get(f"/drills/play/{pid}").get_data(as_text=True)
            number = re.search(r'name="number" value="(\d+)"', page)
            if number is None:
                break
            session.expire_all()
            run, participant = service.own_participant(session, pid, people["cashier"].user)
            step = service.definition(run).step(participant.step_id)
            text = htmlmod.unescape(page)
            for secret in _secrets(step):
                assert secret not in text, (row.slug, step.id, secret)
            data = {"number": number[1], "csrf_token": token}
            ranks = _RANK.findall(page)
            if ranks:
                rng.shuffle(ranks)
                data.update({f"rank-{t}": str(n) for n, t in enumerate(ranks, start=1)})
            else:
                data["choice"] = rng.choice(_CHOICE.findall(page))
            client.post(f"/drills/play/{pid}", data=data)
        assert participant.answered >= 1


def test_the_first_option_shown_is_not_always_the_right_one(app, session, people, shipped):
    client = app.test_client()
    login_as(client, people["cashier"])
    right_first = 0
    for _ in range(12):
        token = csrf_token(client, "/drills/")
        pid = int(
            client.post(
                "/drills/network-outage/practice", data={"csrf_token": token}
            ).location.rsplit("/", 1)[1]
        )
        page = client.get(f"/drills/play/{pid}").get_data(as_text=True)
        run, participant = service.own_participant(session, pid, people["cashier"].user)
        step = service.definition(run).step(participant.step_id)
        first = _CHOICE.findall(page)[0]
        best = max(step.options, key=lambda o: o.points).id
        right_first += resolve_choice(participant.nonce, step, first) == best
    assert 0 < right_first < 12
