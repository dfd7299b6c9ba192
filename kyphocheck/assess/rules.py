"""The checklist's own rules: Jinja conditions over the answers, run sandboxed."""

from __future__ import annotations

from typing import Any

from kyphocheck.assess.findings import Finding, sentence
from kyphocheck.site.checklist import Checklist


def assess_rules(checklist: Checklist, context: dict[str, Any]) -> list[Finding]:
    """A finding for each rule whose condition holds.

    A rule is skipped while an item it reads is unanswered or does not apply: a rule about
    the driver says nothing until the driver question has an answer.
    """
    findings = []
    for compiled in checklist.rules:
        if any(context.get(name) is None for name in compiled.names):
            continue
        if compiled.when.evaluate(context):
            rule = compiled.rule
            findings.append(
                Finding(
                    id=rule.id,
                    severity=rule.severity,
                    item=rule.item,
                    message=sentence(compiled.message.render(context)),
                    source=rule.source,
                )
            )
    return findings
