"""Reading answers from the attempt page's form (the same for autosave and plain posts)."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from trainer.quizzes.service import ItemState


def ordering_ids(item: ItemState) -> list[str]:
    """Opaque ids for an ordering question's steps (s0, s1 … in shown order).

    The authored step ids can hint at the answer ("step1"), so the page never shows them.
    """
    return [f"s{i}" for i in range(len(item.layout.get("steps", [])))]


def response_from_form(item: ItemState, form: MultiDict) -> dict | None:
    """The response dict grading expects, from the fields named after the item's position."""
    name = f"q{item.position}"
    qtype = item.question.get("type")
    if qtype == "single":
        value = form.get(name)
        return {"choice": value} if value else None
    if qtype == "multiple":
        values = form.getlist(name)
        return {"choices": values} if values else None
    if qtype == "truefalse":
        value = form.get(name)
        return {"value": value == "true"} if value in ("true", "false") else None
    if qtype == "ordering":
        real = item.layout.get("steps", [])
        ranks = {}
        for opaque, step_id in zip(ordering_ids(item), real, strict=True):
            rank = form.get(f"{name}-{opaque}", type=int)
            if rank is not None:
                ranks[step_id] = rank
        if not ranks:
            return None
        if sorted(ranks.values()) != list(range(1, len(real) + 1)):
            # Steps left out or a number used twice: not an order yet (it grades as not
            # answered), but kept so the page shows what was chosen.
            return {"ranks": ranks}
        return {"order": sorted(ranks, key=ranks.__getitem__)}
    if qtype == "matching":
        lefts = len(item.question.get("pairs", []))
        pairs = {str(i): form.get(f"{name}-{i}", "") for i in range(lefts)}
        return {"pairs": pairs} if any(pairs.values()) else None
    if qtype in ("numeric", "short", "essay"):
        text = form.get(name, "").strip()
        if not text:
            return None
        return {"value": text} if qtype == "numeric" else {"text": text}
    return None


def present_response(item: ItemState) -> dict:
    """The saved response in the page's terms, to pre-fill the form after a reload."""
    response = item.response or {}
    qtype = item.question.get("type")
    if qtype == "ordering" and (response.get("order") or response.get("ranks")):
        if response.get("order"):
            rank = {step_id: i + 1 for i, step_id in enumerate(response["order"])}
        else:
            rank = response["ranks"]
        shown = {
            opaque: rank.get(step_id)
            for opaque, step_id in zip(
                ordering_ids(item), item.layout.get("steps", []), strict=True
            )
        }
        # "incomplete" cannot clash with the opaque ids (s0, s1 …).
        return {**shown, "incomplete": not response.get("order")}
    return response
