"""axe-core in the browser tests: ``axe_check(page)`` fails the test on the page's serious accessibility problems.

axe-core is vendored (tests/browser/vendor/axe-core/, see its README for the version and how to update it), so
the tests never reach npm. It is put into the page through the DevTools protocol (``page.evaluate``), which the
planner's Content-Security-Policy does not govern: the page itself is tested exactly as it is served, without
weakening its policy or adding a ``<script>`` it would refuse.

Use it on any page a test has opened::

    from tests.browser.axe import axe_check

    page.goto(live_server.url + "/")
    axe_check(page)

It fails on every violation of impact *critical* or *serious* (axe's own grading), and on the rules in
``ALWAYS`` whatever their impact; the message names each rule, the selectors of the elements it found and the
page explaining the fix.
"""

from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_SOURCE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"

# WCAG 2.0 and 2.1, levels A and AA, and axe's best practices (headings, landmarks, table headers, roles).
TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice")
FAILING_IMPACTS = ("critical", "serious")
# Lesser in axe's grading, but each was a finding of issue 13 and is kept fixed: a page without an h1 (the admin's
# login), an empty table header, an element given a role its kind of element may not have (the QR figure).
ALWAYS = ("page-has-heading-one", "empty-table-header", "aria-allowed-role")

_source = None


def _axe_source():
    global _source
    if _source is None:
        _source = AXE_SOURCE.read_text(encoding="utf-8")
        assert _source.startswith(f"/*! axe v{AXE_VERSION}"), f"{AXE_SOURCE} is not axe-core {AXE_VERSION}"
    return _source


def axe_violations(page, *, tags=TAGS, disable=()):
    """axe-core's violations on the page as it is now, as a list of axe's result dicts."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
        assert page.evaluate("() => window.axe && window.axe.version") == AXE_VERSION
    options = {
        "runOnly": {"type": "tag", "values": list(tags)},
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": False} for rule in disable},
    }
    return page.evaluate("options => window.axe.run(document, options).then(results => results.violations)", options)


def describe(violations):
    """One paragraph per violation: rule, impact, help, the elements' selectors and the page explaining it."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {violation['helpUrl']}")
        for node in violation["nodes"]:
            target = " ".join(" >> ".join(part) if isinstance(part, list) else part for part in node["target"])
            lines.append(f"    {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ").strip()
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def axe_check(page, *, what=None, tags=TAGS, impacts=FAILING_IMPACTS, always=ALWAYS, disable=()):
    """Fail if axe-core finds a violation of one of ``impacts`` (or of a rule in ``always``) on the page.

    ``what`` names the page in the failure message (its address by default). Returns every violation axe found,
    the lesser ones included, for a test that wants to look at them.
    """
    violations = axe_violations(page, tags=tags, disable=disable)
    failing = [v for v in violations if v["impact"] in impacts or v["id"] in always]
    assert not failing, f"axe-core {AXE_VERSION} on {what or page.url}:\n{describe(failing)}"
    return violations
