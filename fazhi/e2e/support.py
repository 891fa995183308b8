"""Helpers shared by the browser journeys: logging in, and the axe-core accessibility check.

axe is injected with `page.evaluate` (the DevTools protocol), not as a <script> tag: the pages keep their
Content-Security-Policy (`script-src 'self'`) exactly as users get it, so the check sees the real pages.
"""

import functools
import re
from pathlib import Path

DEMO_PASSWORD = "fazhi2026"  # noqa: S105 — the demo logins' password (README, `manage.py demo_logins`)
AXE_VERSION = "4.14.1"
BLOCKING = ("serious", "critical")
# WCAG 2.0/2.1 A and AA and axe's best practices; nothing disabled.
AXE_RUN = ("async () => await axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag', values: "
           "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})")


def log_in(page, server, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/login/).*$"))


@functools.cache
def axe_source() -> str:
    return (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """The serious and critical violations axe finds on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    result = page.evaluate(AXE_RUN)
    assert result["testEngine"]["version"] == AXE_VERSION and result["passes"], "axe did not run"
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def check(page, shots, label: str, problems: list[str]) -> None:
    """Screenshot the page and note every serious or critical violation on it (rule, help, first elements)."""
    page.wait_for_load_state("load")
    shots.snap(page, label)
    for v in axe_violations(page):
        targets = ", ".join(" ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"])
                            for n in v["nodes"][:3])
        problems.append(f"{label} ({page.url}): [{v['impact']}] {v['id']}: {v['help']} — {len(v['nodes'])} "
                        f"element(s), e.g. {targets}")


def assert_accessible(page, shots, label: str) -> None:
    problems: list[str] = []
    check(page, shots, label, problems)
    assert not problems, "serious or critical accessibility violations:\n" + "\n".join(problems)
