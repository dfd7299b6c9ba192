"""The interactive flow through the scripted prompter: every prompt type, review, drafts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kyphocheck.cli.interactive.prompts import ScriptedPrompter
from kyphocheck.cli.interactive.session import Interrupted, Options, resume, start
from kyphocheck.errors import UsageError
from kyphocheck.interview.drafts import DraftStore
from kyphocheck.record.pipeline import run_to_folder
from kyphocheck.site.folder import Site
from kyphocheck.times import Clock
from tests import walk
from tests.conftest import EXAMPLE, NOW, example_data, write_answers


def record_of(folder: Path) -> bytes:
    return (folder / "record.json").read_bytes()


def scripted_record(tmp_path: Path, site: Site) -> bytes:
    result = run_to_folder(site, EXAMPLE, tmp_path / "scripted", Clock(NOW, fixed=True))
    return record_of(result.folder)


def test_full_walk_gives_the_same_record_as_the_answers_file(
    tmp_path: Path, site: Site, options: Options, store: DraftStore
) -> None:
    prompter = ScriptedPrompter(walk.full_walk())
    result = start(options, prompter, None, "kyphoplasty", store)
    assert prompter.responses == [] and prompter.refusals == []
    assert record_of(result.folder) == scripted_record(tmp_path, site)
    assert store.all() == []  # a finished run removes its draft


@pytest.mark.parametrize("stop_after", [3, 14, 19, 30, 55])
def test_interrupted_then_resumed_gives_the_same_record(
    tmp_path: Path, site: Site, options: Options, store: DraftStore, stop_after: int
) -> None:
    script = walk.full_walk()
    first = ScriptedPrompter([*script[:stop_after], KeyboardInterrupt()])
    with pytest.raises(Interrupted) as info:
        start(options, first, None, "kyphoplasty", store)
    assert "kyphocheck resume" in info.value.message
    [draft] = store.all()
    assert (store.path(draft.id).stat().st_mode & 0o777) == 0o600
    second = ScriptedPrompter(script[stop_after:])
    result = resume(options, second, None, store)
    assert second.responses == [], second.asked[-3:]
    assert record_of(result.folder) == scripted_record(tmp_path, site)


def test_answers_file_prefill_asks_only_what_is_missing_or_invalid(
    tmp_path: Path, site: Site, options: Options, store: DraftStore
) -> None:
    data = example_data()
    del data["answers"]["inr"]
    data["answers"]["platelets"] = "lots"
    prompter = ScriptedPrompter(["1.1", "210", "finish"])
    result = start(options, prompter, write_answers(tmp_path, data), None, store)
    assert prompter.asked == ["INR", "Platelet count (x10^9/L)", "Review"]
    assert record_of(result.folder) == scripted_record(tmp_path, site)


def test_inline_refusals_keep_the_prompt(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    data = example_data()
    for key in ("inr", "last_solid_food", "labs_date"):
        del data["answers"][key]
    prompter = ScriptedPrompter(
        [
            "22:00",
            False,  # not the day before it suggests: she types it herself
            "yesterday 22:00",
            "light_meal",
            "tomorrow",
            "yesterday",
            "high",
            "1.234",
            "99",
            "1.1",
            "finish",
        ]
    )
    start(options, prompter, write_answers(tmp_path, data), None, store)
    refused = [problem for _, problem in prompter.refusals]
    assert refused[0] == (
        "Tue 01 Dec 2026 22:00 is later than now (Tue 01 Dec 2026 07:45); "
        "did you mean yesterday 22:00 (Mon 30 Nov 2026 22:00)?"
    )
    assert "is not understood" in refused[1]
    assert refused[2] == "type a number"
    assert "more than 2 decimal places" in refused[3]
    assert "above the allowed 15" in refused[4]


def test_yes_no_without_default_asks_again_on_bare_enter(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    data = example_data()
    del data["answers"]["identity_verified"]
    prompter = ScriptedPrompter(["", True, "finish"])
    start(options, prompter, write_answers(tmp_path, data), None, store)
    assert prompter.refusals == [("", "type y or n")]


def test_unknown_medicine_offers_known_names(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    data = example_data()
    del data["answers"]["medications"]
    prompter = ScriptedPrompter(
        [
            "add",
            "Eliq",
            "Eliquis",
            "2026-11-27 20:00",
            "",
            True,
            "add",
            "Frobnicol",
            "",
            "",
            "remove",
            "1",
            "done",
            "finish",
        ]
    )
    result = start(options, prompter, write_answers(tmp_path, data), None, store)
    record = json.loads(record_of(result.folder))
    assert record["answers"]["medications"] == [
        {
            "name": "Eliquis",
            "last_dose": "2026-11-27T20:00:00-06:00",
            "dose": None,
            "prescriber_approved": True,
            "regimen": None,
        },
    ]
    assert "'Eliq' is not in the drug table. Did you mean" in prompter.asked


def test_regimen_is_asked_for_drugs_with_variants(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    data = example_data()
    del data["answers"]["medications"]
    prompter = ScriptedPrompter(
        [
            "add",
            "Lovenox",
            "prophylactic",
            "2026-11-30 19:00",
            "40 mg daily",
            True,
            "done",
            "finish",
        ]
    )
    result = start(options, prompter, write_answers(tmp_path, data), None, store)
    record = json.loads(record_of(result.folder))
    entry = record["computed"]["medications"][0]
    assert (entry["variant"], entry["hold"], entry["hold_met"]) == (
        "prophylactic dose",
        "12 hours",
        True,
    )


def test_aspirin_not_sure_of_the_indication_means_ask_the_prescriber(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    data = example_data()
    del data["answers"]["medications"]
    prompter = ScriptedPrompter(
        ["add", "aspirin", "__skip__", "2026-11-30 08:00", "81 mg daily", True, "done", "finish"]
    )
    result = start(options, prompter, write_answers(tmp_path, data), None, store)
    assert prompter.menus["How is aspirin taken?"] == [
        "primary prevention (no heart attack, stroke or stent)",
        "secondary prevention (after a heart attack, stroke or stent)",
        "not sure (indication not known)",
    ]
    record = json.loads(record_of(result.folder))
    entry = record["computed"]["medications"][0]
    assert (entry["variant"], entry["hold"], entry["plan"]) == ("indication not known", None, "ask")


def test_change_from_review_updates_findings_and_drops_answers_that_no_longer_apply(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    prompter = ScriptedPrompter(
        [
            "change",
            "driver_arranged",
            False,
            "override",
            "no_driver",
            "",
            "Admitted overnight",
            "finish",
        ]
    )
    result = start(options, prompter, write_answers(tmp_path, example_data()), None, store)
    record = json.loads(record_of(result.folder))
    assert "driver_name" not in record["answers"] and "driver_phone" not in record["answers"]
    assert record["overrides"] == [
        {"finding": "no_driver", "by": "Dr. A. Patel", "reason": "Admitted overnight"}
    ]
    assert record["cleared"] is True


def test_finish_with_open_stop_finding_is_not_cleared(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    data = example_data()
    data["answers"]["active_infection"] = True
    prompter = ScriptedPrompter(["finish", "back", "finish", "not_cleared"])
    result = start(options, prompter, write_answers(tmp_path, data), None, store)
    assert json.loads(record_of(result.folder))["cleared"] is False


def test_changed_checklist_revalidates_saved_answers(
    tmp_path: Path, site: Site, store: DraftStore
) -> None:
    options = Options(site, Clock(NOW, fixed=True), tmp_path / "out", no_sign=True)
    script = walk.full_walk()
    upto_labs = script.index("1.1")
    with pytest.raises(Interrupted):
        start(
            options,
            ScriptedPrompter([*script[: upto_labs + 1], KeyboardInterrupt()]),
            None,
            "kyphoplasty",
            store,
        )
    # The site now allows only one decimal for the INR: the saved 1.1 still fits; make it not.
    common = (site.defaults / "checklists/parts/common.yaml").read_text()
    changed = common.replace("max: 15\n", "max: 1.0\n")
    site_dir = tmp_path / "site"
    (site_dir / "checklists/parts").mkdir(parents=True)
    (site_dir / "checklists/parts/common.yaml").write_text(changed)
    new_site = Site.open(site_dir)
    new_options = Options(new_site, Clock(NOW, fixed=True), tmp_path / "out", no_sign=True)
    prompter = ScriptedPrompter(["0.9", *script[upto_labs + 1 :]])
    result = resume(new_options, prompter, None, store)
    assert prompter.asked[0] == "INR"
    assert json.loads(record_of(result.folder))["answers"]["inr"] == 0.9


def test_end_of_input_saves_the_draft_and_names_the_flags(
    options: Options, store: DraftStore
) -> None:
    with pytest.raises(UsageError, match="--non-interactive with --answers FILE"):
        start(options, ScriptedPrompter(walk.HEADER[:4]), None, "kyphoplasty", store)
    [draft] = store.all()
    assert draft.document["patient"]["name"] == "Maria Lopez"


def test_end_of_input_while_resuming_does_not_offer_run_flags(
    options: Options, store: DraftStore
) -> None:
    with pytest.raises(Interrupted):
        start(
            options,
            ScriptedPrompter([*walk.HEADER[:4], KeyboardInterrupt()]),
            None,
            "kyphoplasty",
            store,
        )
    with pytest.raises(UsageError) as info:
        resume(options, ScriptedPrompter([]), None, store)
    assert "the input ended: the draft is saved (kyphocheck resume" in info.value.message
    assert "--non-interactive" not in info.value.message


def test_drafts_listing_shows_initials_not_names(
    options: Options, store: DraftStore, capsys: pytest.CaptureFixture[str]
) -> None:
    from kyphocheck.cli.output import print_drafts

    with pytest.raises(Interrupted):
        start(
            options,
            ScriptedPrompter([*walk.HEADER, KeyboardInterrupt()]),
            None,
            "kyphoplasty",
            store,
        )
    capsys.readouterr()  # the run itself shows the patient in full; the listing must not
    print_drafts(store.all())
    shown = capsys.readouterr().out
    assert "ML" in shown and "00482913" in shown and "Maria" not in shown


def test_header_echo_uses_the_procedure_zone(
    options: Options, store: DraftStore, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(Interrupted):
        start(
            options,
            ScriptedPrompter([*walk.HEADER, KeyboardInterrupt()]),
            None,
            "kyphoplasty",
            store,
        )
    assert "= Tuesday 1 December 2026, 08:30 CST" in capsys.readouterr().out


def test_large_print_from_the_command_reaches_the_interactive_record(
    options: Options, store: DraftStore
) -> None:
    from dataclasses import replace

    result = start(
        replace(options, large_print=True),
        ScriptedPrompter(walk.full_walk()),
        None,
        "kyphoplasty",
        store,
    )
    assert result.record["patient"]["large_print"] is True


@pytest.mark.parametrize("zone_name", ["America/Chicago", "Asia/Tokyo", "UTC"])
def test_a_file_time_kept_from_review_is_the_time_the_file_gave(
    tmp_path: Path, site: Site, store: DraftStore, monkeypatch: pytest.MonkeyPatch, zone_name: str
) -> None:
    """File -> review -> Enter -> record: 22:00 stays 22:00 in the procedure's zone.

    The machine runs in a third zone, so a time read in the machine's zone shows up here.
    """
    import time as time_module
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from kyphocheck.record.documents import format_answer

    monkeypatch.setenv("TZ", "Pacific/Auckland")
    time_module.tzset()
    try:
        zone = ZoneInfo(zone_name)
        data = example_data()
        data["procedure"]["timezone"] = zone_name
        del data["answers"]["inr"]
        clock = Clock(datetime(2026, 12, 1, 7, 45, tzinfo=zone), fixed=True)
        options = Options(site, clock, tmp_path / "out", no_sign=True)
        prompter = ScriptedPrompter(["1.1", "change", "last_solid_food", "", "finish"])
        result = start(options, prompter, write_answers(tmp_path, data), None, store)
        record = json.loads(record_of(result.folder))
        expected = datetime(2026, 11, 30, 22, 0, tzinfo=zone).isoformat()
        assert record["answers"]["last_solid_food"] == expected
        dose = datetime(2026, 11, 27, 20, 0, tzinfo=zone).isoformat()
        assert record["answers"]["medications"][0]["last_dose"] == dose
        # What the review screen shows for the file's own text, before any pinning.
        item = site_item(site, "last_solid_food")
        assert format_answer(item, "2026-11-30T22:00", zone) == "Mon 30 Nov 2026 22:00"
    finally:
        monkeypatch.delenv("TZ")
        time_module.tzset()


def site_item(site: Site, item_id: str):  # type: ignore[no-untyped-def]
    from kyphocheck.site.checklist import load_checklist

    return load_checklist(site, "kyphoplasty").by_id[item_id].item


def test_checklist_option_conflicting_with_the_file_is_refused_before_asking(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    from kyphocheck.errors import InputError

    prompter = ScriptedPrompter([])
    with pytest.raises(InputError, match="the file is for 'kyphoplasty' but --checklist says"):
        start(options, prompter, write_answers(tmp_path, example_data()), "vertebroplasty", store)
    with pytest.raises(InputError, match="--checklist: unknown checklist 'kypho'"):
        start(options, prompter, None, "kypho", store)
    assert prompter.asked == [] and store.all() == []


@pytest.mark.parametrize("keep", [True, False])
def test_a_start_over_a_year_ahead_is_confirmed_at_the_terminal(
    tmp_path: Path, site: Site, store: DraftStore, keep: bool
) -> None:
    data = example_data()
    data["procedure"]["scheduled"] = "2028-12-01T08:30"
    options = Options(site, Clock(NOW, fixed=False), tmp_path / "out", no_sign=True)
    responses: list[object] = [keep] if keep else [False, "2026-12-01 08:30"]
    prompter = ScriptedPrompter([*responses, "finish"])
    result = start(options, prompter, write_answers(tmp_path, data), None, store)
    question = (
        "The scheduled start Fri 01 Dec 2028 08:30 is more than a year after now "
        "(Tue 01 Dec 2026 07:45). Is that right?"
    )
    assert question in prompter.asked
    record = json.loads(record_of(result.folder))
    if keep:
        assert record["procedure"]["scheduled"].startswith("2028-12-01T08:30")
        assert any("confirmed at the terminal" in note for note in record["notes"])
    else:
        assert record["procedure"]["scheduled"].startswith("2026-12-01T08:30")
        assert record["notes"] == []
