"""Shared fixtures: the default site, an encounter builder, answers files written by tests."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from kyphocheck.assess import Assessment, assess
from kyphocheck.cli.interactive.session import Options
from kyphocheck.intake.answers_file import AnswersFile, build_encounter
from kyphocheck.intake.encounter import Encounter
from kyphocheck.interview.drafts import DraftStore
from kyphocheck.site.checklist import Checklist, load_checklist
from kyphocheck.site.data import load_site_protocol
from kyphocheck.site.folder import Site
from kyphocheck.site.protocol import Protocol
from kyphocheck.times import Clock
from kyphocheck.yamlio import parse_data_text

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "example-patient.yaml"
CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 12, 1, 7, 45, tzinfo=CHICAGO)
NOW_TEXT = "2026-12-01T07:45-06:00"


PASSPHRASE = "test passphrase, invented"


@pytest.fixture(scope="session")
def identity_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """An invented signer's identity, made once: the .p12 and .pem bytes."""
    from kyphocheck.signatures.identity import create_identity, save_identity

    folder = tmp_path_factory.mktemp("identity")
    # Valid from the real clock: outsiders' tools (openssl) check validity against it.
    start = datetime.now(UTC) - timedelta(days=1)
    identity = create_identity("Jane Doe", "RN", "jane.doe@example.org", start)
    save_identity(identity, PASSPHRASE, folder / "signer.p12")
    return {name: (folder / name).read_bytes() for name in ("signer.p12", "signer.pem")}


@contextmanager
def signer_configured(base: Path, identity_files: dict[str, bytes]) -> Iterator[None]:
    """The invented signer set up under `base` for a block, for records a module makes once.

    Module-scoped fixtures cannot use the per-test setup of `_isolated`.
    """
    config = base / "config" / "kyphocheck"
    config.mkdir(parents=True)
    for name, data in identity_files.items():
        (config / name).write_bytes(data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CONFIG_HOME", str(base / "config"))
        patch.setenv("KYPHOCHECK_SIGNER_PASSPHRASE", PASSPHRASE)
        yield


@pytest.fixture(autouse=True)
def _isolated(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, identity_files: dict[str, bytes]
) -> None:
    """No user setting, site or clock leaks into a test; a wide, colourless terminal.

    Every test has the invented signer set up in its own config folder (remove it to test
    a machine without one).
    """
    for name in ("KYPHOCHECK_SITE", "KYPHOCHECK_NOW", "KYPHOCHECK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("KYPHOCHECK_SIGNER_PASSPHRASE", PASSPHRASE)
    config = tmp_path / "xdg-config" / "kyphocheck"
    config.mkdir(parents=True, mode=0o700)
    for name, data in identity_files.items():
        (config / name).write_bytes(data)
        (config / name).chmod(0o600)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")


@pytest.fixture(scope="session")
def site() -> Site:
    return Site.open(None)


@pytest.fixture(scope="session")
def protocol(site: Site) -> Protocol:
    return load_site_protocol(site)


@pytest.fixture(scope="session")
def kyphoplasty(site: Site) -> Checklist:
    return load_checklist(site, "kyphoplasty")


def example_data() -> dict[str, Any]:
    """The example patient's answers file as plain data (a fresh copy every call).

    Without the fixture's clock (`now:`, for `kyphocheck check`): tests run it at any clock.
    """
    data = yaml.safe_load(EXAMPLE.read_text())
    data.pop("now", None)
    # yaml.safe_load turns dates into date objects; the answers format wants text.
    return copy.deepcopy(_stringify(data))


def _stringify(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stringify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def write_answers(folder: Path, data: dict[str, Any], name: str = "answers.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


class Builder:
    """Builds encounters from the example with changes, through the real validation."""

    def __init__(self, site: Site, protocol: Protocol) -> None:
        self.site, self.protocol = site, protocol
        self._checklists: dict[str, Checklist] = {}

    def checklist(self, checklist_id: str) -> Checklist:
        if checklist_id not in self._checklists:
            self._checklists[checklist_id] = load_checklist(self.site, checklist_id)
        return self._checklists[checklist_id]

    def encounter(
        self,
        answers: dict[str, Any] | None = None,
        *,
        remove: tuple[str, ...] = (),
        patient: dict[str, Any] | None = None,
        procedure: dict[str, Any] | None = None,
        checklist: str = "kyphoplasty",
        now: datetime = NOW,
        overrides: list[dict[str, Any]] | None = None,
    ) -> tuple[Checklist, Encounter]:
        data = example_data()
        data["checklist"] = checklist
        # Asked only of patients on a GLP-1 medicine; elsewhere it is dropped with a note.
        data["answers"]["gi_symptoms_today"] = False
        data["answers"].update(answers or {})
        for key in remove:
            data["answers"].pop(key, None)
        data["patient"].update(patient or {})
        data["procedure"].update(procedure or {})
        if overrides is not None:
            data["overrides"] = overrides
        text = yaml.safe_dump(_stringify(data), sort_keys=False)
        raw = parse_data_text(text, "answers.yaml")
        parsed = AnswersFile.model_validate(raw)
        checklist_model = self.checklist(checklist)
        encounter = build_encounter(
            parsed, raw, "answers.yaml", checklist_model, self.protocol, now, None
        )
        return checklist_model, encounter

    def assess(self, answers: dict[str, Any] | None = None, **kwargs: Any) -> Assessment:
        now = kwargs.get("now", NOW)
        checklist, encounter = self.encounter(answers, **kwargs)
        return assess(checklist, self.protocol, encounter, now)


@pytest.fixture(scope="session")
def build(site: Site, protocol: Protocol) -> Builder:
    return Builder(site, protocol)


def by_id(assessment: Assessment) -> dict[str, str]:
    """Finding id -> severity."""
    return {f.id: f.severity.value for f in assessment.findings}


# The interactive flow's tests: a run on the example's fixed clock, unsigned, drafts in tmp.
@pytest.fixture
def options(tmp_path: Path, site: Site) -> Options:
    return Options(site, Clock(NOW, fixed=True), tmp_path / "out", no_sign=True)


@pytest.fixture
def store(tmp_path: Path) -> DraftStore:
    return DraftStore(tmp_path / "drafts")
