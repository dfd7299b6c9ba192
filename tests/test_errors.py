"""Errors as values: an InputError keeps its problems on the way back from a worker process."""

from __future__ import annotations

import pickle

from kyphocheck.errors import InputError, Problem
from kyphocheck.record.pdf import RefusedResources


def test_an_input_error_survives_pickling_with_its_problems() -> None:
    problem = Problem("answers.yaml", 12, "patient.dob", "not a date", loc=("patient", "dob"))
    error = InputError([problem], more_fields=[("answers", "inr")])
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is InputError
    assert copy.problems == [problem] and copy.problems[0].line == 12
    assert copy.fields == error.fields == [("patient", "dob"), ("answers", "inr")]
    assert copy.lines() == ["answers.yaml:12: patient.dob: not a date"]


def test_a_refusal_from_a_pdf_worker_keeps_its_type() -> None:
    refused = RefusedResources(Problem("templates/document.html.j2", message="x: refused"))
    copy = pickle.loads(pickle.dumps(refused))
    assert type(copy) is RefusedResources and copy.problems == refused.problems
