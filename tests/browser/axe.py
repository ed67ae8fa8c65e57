"""axe-core (from npm, see package.json) run on a page the browser tests have open.

A page passes when axe finds no violation of impact "serious" or "critical": missing labels,
names and roles, contrast below WCAG AA, keyboard traps and the like.
"""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def axe_violations(page) -> list[dict]:
    """Serious and critical axe violations on ``page``, each with the elements it names."""
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: run `make test` (it runs `npm ci`)")
    # evaluate() runs outside the page's Content-Security-Policy, which refuses inline scripts.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
            }));
        }"""
    )
    return [v for v in result if v["impact"] in BLOCKING]


def assert_accessible(page) -> None:
    """Fail with axe's own words when ``page`` has a serious or critical violation."""
    violations = axe_violations(page)
    assert not violations, f"{page.url}:\n" + "\n".join(
        f"  {v['impact']} {v['id']}: {v['help']} — {', '.join(v['nodes'])}" for v in violations
    )
