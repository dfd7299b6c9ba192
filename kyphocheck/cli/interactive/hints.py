"""What the prompts offer a nurse beyond the checklist's words: the protocol's choice.

The antibiotic the protocol's plan names for this patient is the default of its question.
"""

from __future__ import annotations

from kyphocheck.errors import InputError
from kyphocheck.interview.state import Interview
from kyphocheck.site.checklist import CompiledItem


def planned_choice(interview: Interview, compiled: CompiledItem) -> str | None:
    """For a choice of the protocol's antibiotics, the one its plan for this patient names.

    The plan knows the allergies entered so far: with a beta-lactam allergy it is the
    protocol's alternative, not cefazolin. None for any other choice item.
    """
    antibiotics = interview.protocol.antibiotics
    values = compiled.item.choice_values
    if antibiotics.standard.drug not in values:
        return None
    try:
        plan = interview.assessment().computed["antibiotic"]
    except InputError:
        return None
    return next((o["drug"] for o in plan["options"] if o["drug"] in values), None)
