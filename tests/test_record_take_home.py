"""The take-home sheet's content: it follows the record, says each rule once, in both languages.

The patients are in tests/sheets.py. Each test reads the Markdown as printed; the PDFs are read
back in tests/test_record_take_home_pdf.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kyphocheck.site.folder import Site
from tests.helpers import record_folders
from tests.sheets import AHEAD, DAY_OF, STOPS, make_sheet, section, sheet_site, table

LANGUAGES = ("en", "es")
CALL_US = {"en": "Call us today: your procedure may need to be moved.", "es": "Llámenos hoy"}


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return sheet_site(tmp_path)


def first_block(sheet: str) -> str:
    """The first thing after the title."""
    return sheet.split("\n\n")[1]


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_open_stop_puts_call_us_today_first(tmp_path: Path, site: Site, language: str) -> None:
    sheet, draft = make_sheet(tmp_path, site, STOPS, language)
    assert draft.record["cleared"] is False
    first = first_block(sheet)
    assert first.startswith(f"> **{CALL_US[language]}")
    # Taken after its limit; named in the reader's language, with the brands on the box.
    assert {"en": "warfarin (Coumadin, Jantoven)", "es": "warfarina (Coumadin, Jantoven)"}[
        language
    ] in first
    assert "(INR)" in first  # in plain words, with the test's name
    assert "555-0100" in first
    # The warfarin deadline has gone by: never given as one that can still be met.
    assert "no later than" not in sheet and "a más tardar" not in sheet


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_overridden_stop_asks_for_no_call(tmp_path: Path, site: Site, language: str) -> None:
    overrides = [
        {"finding": finding, "by": "Dr. A. Patel", "reason": "Reviewed with the patient."}
        for finding in ("hold_not_met:warfarin", "inr_high")
    ]
    sheet, draft = make_sheet(tmp_path, site, STOPS, language, overrides=overrides)
    assert draft.record["cleared"] is True
    assert CALL_US[language] not in sheet


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_passed_deadline_without_a_known_last_dose_asks_to_call(
    tmp_path: Path, site: Site, language: str
) -> None:
    """Made ahead (no stop yet), after Eliquis's last permitted dose, its last dose unknown."""
    from dataclasses import replace
    from datetime import datetime

    from tests.conftest import CHICAGO

    late = replace(AHEAD, now=datetime(2026, 11, 29, 9, 0, tzinfo=CHICAGO))
    sheet, draft = make_sheet(tmp_path, site, late, language)
    assert draft.record["cleared"] is True  # a notify finding only: the sheet still asks
    first = first_block(sheet)
    assert first.startswith(f"> **{CALL_US[language]}")
    assert {"en": "Eliquis (apixaban)", "es": "Eliquis (apixabán)"}[language] in first
    assert "no later than" not in sheet and "a más tardar" not in sheet


@pytest.mark.parametrize(
    ("language", "last_day"), [("en", "Friday night"), ("es", "la noche del viernes")]
)
def test_a_deadline_still_ahead_is_a_part_of_day(
    tmp_path: Path, site: Site, language: str, last_day: str
) -> None:
    sheet, _ = make_sheet(tmp_path, site, AHEAD, language)
    assert CALL_US[language] not in sheet
    # 3 days before 8:30 AM on Tuesday is 8:30 AM on Saturday: Friday night is in time.
    assert f"**{last_day}**" in sheet
    assert "8:30 AM on Saturday" not in sheet and "8:30 a. m. del sábado" not in sheet


@pytest.mark.parametrize(
    ("language", "emergency", "office", "signs"),
    [
        (
            "en",
            "Call 911 or go to the emergency room now",
            "Call the clinic at 555-0100",
            ("Numbness, tingling or weakness in your legs", "control your bladder or bowels"),
        ),
        (
            "es",
            "Llame al 911 o vaya a la sala de emergencias ahora",
            "Llame a la clínica al 555-0100",
            ("Adormecimiento, hormigueo o debilidad en las piernas", "controlar la vejiga"),
        ),
    ],
)
def test_cord_signs_are_emergencies_and_after_hours_is_named(
    tmp_path: Path, site: Site, language: str, emergency: str, office: str, signs: tuple[str, ...]
) -> None:
    for scenario in (AHEAD, DAY_OF):
        sheet, _ = make_sheet(tmp_path, site, scenario, language)
        urgent = section(sheet, emergency, office)
        later = section(sheet, office, "---")
        for sign in signs:
            assert sign in urgent and sign not in later
        assert "555-0199" in later  # the after-hours phone
    without, _ = make_sheet(
        tmp_path, sheet_site(tmp_path / "no-24h", after_hours_phone=None), AHEAD, language
    )
    assert (
        "go to the emergency room" if language == "en" else "vaya a la sala de emergencias"
    ) in (section(without, office, "---"))


@pytest.mark.parametrize(
    ("language", "home", "sip", "hospital", "prescription"),
    [
        (
            "en",
            "Take these pills at home",
            "small sip of water",
            "We give you these at the hospital",
            "You need a prescription",
        ),
        (
            "es",
            "Tome estas pastillas en casa",
            "sorbito de agua",
            "Se las damos en el hospital",
            "Necesita una receta",
        ),
    ],
)
def test_allergy_pills_at_home_with_a_sip_and_at_the_hospital_after_arrival(
    tmp_path: Path,
    site: Site,
    language: str,
    home: str,
    sip: str,
    hospital: str,
    prescription: str,
) -> None:
    sheet, draft = make_sheet(tmp_path, site, AHEAD, language)
    at_home = section(sheet, home, hospital)
    at_hospital = section(sheet, hospital, prescription)
    assert sip in at_home
    # Prednisone 13 and 7 hours before 8:30 AM at home; the 1-hour doses after the 7:30 arrival.
    assert at_home.count("50 mg") == 2 and ("7:30 PM" in at_home or "7:30 p. m." in at_home)
    # The 1:30 AM dose is taken asleep unless an alarm wakes the patient; 7:30 PM is not.
    alarm = {"en": "Set an alarm", "es": "Ponga una alarma"}[language]
    doses = [line for line in at_home.splitlines() if "50 mg" in line]
    assert [alarm in line for line in doses] == [False, True], doses
    assert ("7:30 AM" in at_hospital or "7:30 a. m." in at_hospital) and "50 mg" in at_hospital
    assert prescription in sheet
    # A sheet made on a weekend: the line for nights and weekends, where the pills are asked for.
    assert "555-0199" in section(sheet, prescription, "\n\n")
    # Arriving 30 minutes before, the 1-hour doses are taken at home.
    early, _ = make_sheet(
        tmp_path / "late", sheet_site(tmp_path / "s30", arrive_minutes_before=30), AHEAD, language
    )
    assert hospital not in early and section(early, home, prescription).count("50 mg") == 4


@pytest.mark.parametrize(
    ("language", "ask", "keep"),
    [
        ("en", "Ask your doctor before your procedure", "Keep taking"),
        ("es", "Pregunte a su médico por estas medicinas", "Siga tomando"),
    ],
)
def test_aspirin_after_a_stent_and_fish_oil_are_asked_about(
    tmp_path: Path, site: Site, language: str, ask: str, keep: str
) -> None:
    sheet, _ = make_sheet(tmp_path, site, AHEAD, language)
    medicines = sheet[sheet.index(keep) :]
    ask_part, keep_part = medicines[medicines.index(ask) :], medicines[: medicines.index(ask)]
    aspirin, fish_oil, sertraline = {
        "en": ("aspirin", "fish oil", "sertraline"),
        "es": ("aspirina", "aceite de pescado", "sertralina"),
    }[language]
    assert f"**{aspirin}" in ask_part and f"**{fish_oil}" in ask_part
    assert aspirin not in keep_part and fish_oil not in keep_part
    assert f"**{sertraline}" in keep_part


# The numbers each after-care rule is said with, by topic: one value per topic on a sheet.
TOPICS = {
    "drive": r"\b(?:drive|maneje)\b",
    "rest": r"\b(?:Rest|Descanse)\b",
    "lift": r"\b(?:lift|levante)\b",
    "bandage": r"\b(?:bandage|venda)\b",
    "fever": r"\b(?:fever|Fiebre)\b",
}


def numbers_by_topic(sheet: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {topic: set() for topic in TOPICS}
    for sentence in re.split(r"(?<=[.:])\s+|\n", sheet):
        for topic, pattern in TOPICS.items():
            if re.search(pattern, sentence, re.IGNORECASE):
                found[topic] |= set(
                    re.findall(
                        r"\d+(?:\.\d+)?(?=\s*(?:hours?|horas?|pounds|libras|kilos|°?\s?[FC]\b))",
                        sentence,
                    )
                )
    return found


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("scenario", [AHEAD, STOPS, DAY_OF], ids=lambda s: s.name)
def test_each_rule_is_said_once_with_one_number(
    tmp_path: Path, site: Site, language: str, scenario: object
) -> None:
    sheet, _ = make_sheet(tmp_path, site, scenario, language)  # type: ignore[arg-type]
    found = numbers_by_topic(sheet)
    assert found["drive"] == {"24"}
    assert found["rest"] == {"2"}
    assert found["bandage"] == {"48"}
    assert found["lift"] <= {"10", "4.5"} and "10" in found["lift"]
    assert found["fever"] == {"101", "38.3"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_after_care_numbers_come_from_the_data(tmp_path: Path, language: str) -> None:
    from kyphocheck.site.folder import defaults_root

    data = (defaults_root() / "checklists/protocol/aftercare.yaml").read_text()
    changed = data.replace("no_driving:\n  hours: 24", "no_driving:\n  hours: 48").replace(
        "pounds: 10", "pounds: 15"
    )
    assert changed != data
    site = sheet_site(tmp_path, {"checklists/protocol/aftercare.yaml": changed})
    sheet, draft = make_sheet(tmp_path, site, AHEAD, language)
    found = numbers_by_topic(sheet)
    assert found["drive"] == {"48"} and "15" in found["lift"] and "10" not in found["lift"]
    assert draft.record["computed"]["aftercare"]["no_driving"]["hours"] == 48  # in the record


@pytest.mark.parametrize(
    ("language", "title", "rows"),
    [
        (
            "en",
            "Your plan at a glance",
            {
                "Arrive": "7:30 AM on Tuesday, December 1, at Main Hospital, 2nd floor",
                "Stop eating": "12:30 AM on Tuesday, December 1 (late Monday night)",
                "Stop clear liquids": "6:30 AM on Tuesday, December 1",
                "Eliquis (apixaban)": "Last dose: Friday night",
                "Your driver": "Ana Lopez",
                "Phone, day or night": "555-0199",
            },
        ),
        (
            "es",
            "Su plan de un vistazo",
            {
                "Llegue": (
                    "a las 7:30 a. m. del martes 1 de diciembre. Lugar: Main Hospital, 2nd floor"
                ),
                "Deje de comer": "a las 12:30 a. m. del martes 1 de diciembre (la noche del lunes)",
                "Deje los líquidos claros": "a las 6:30 a. m. del martes 1 de diciembre",
                "Eliquis (apixabán)": "Última dosis: la noche del viernes",
                "Quién le lleva": "Ana Lopez",
                "Teléfono, de día o de noche": "555-0199",
            },
        ),
    ],
)
def test_the_plan_at_a_glance_comes_first(
    tmp_path: Path, site: Site, language: str, title: str, rows: dict[str, str]
) -> None:
    sheet, _ = make_sheet(tmp_path, site, AHEAD, language)
    assert sheet.index(f"| {title} |") < sheet.index("\n## ")  # before any section
    plan = dict(table(sheet, title))  # type: ignore[arg-type]
    for label, value in rows.items():
        assert plan[label] == value
    stops, _ = make_sheet(tmp_path, site, STOPS, language)
    warfarin = "warfarina" if language == "es" else "warfarin"
    assert f"{warfarin} (Coumadin, Jantoven)" in dict(table(stops, title))  # type: ignore[arg-type]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("scenario", [AHEAD, STOPS, DAY_OF], ids=lambda s: s.name)
def test_no_time_a_reader_could_misread(
    tmp_path: Path, site: Site, language: str, scenario: object
) -> None:
    sheet, _ = make_sheet(tmp_path, site, scenario, language)  # type: ignore[arg-type]
    assert not re.search(r"\b12:00\s*(AM|PM|a\. m\.|p\. m\.)", sheet)


@pytest.mark.parametrize(
    ("language", "midnight", "noon"), [("en", "midnight", "noon"), ("es", "medianoche", "mediodía")]
)
def test_midnight_and_noon_in_words(
    tmp_path: Path, site: Site, language: str, midnight: str, noon: str
) -> None:
    """The 1 PM start's allergy doses fall at midnight and noon; so does its arrival."""
    sheet, _ = make_sheet(tmp_path, site, STOPS, language)
    assert midnight in sheet and noon in sheet


@pytest.mark.parametrize(
    ("language", "heading", "before", "eat"),
    [
        ("en", "## After your procedure", "## Before your procedure", "Stop eating all food"),
        ("es", "## Después de su procedimiento", "## Antes de su procedimiento", "Deje de comer"),
    ],
)
def test_on_the_day_the_sheet_leads_with_after_care(
    tmp_path: Path, site: Site, language: str, heading: str, before: str, eat: str
) -> None:
    sheet, draft = make_sheet(tmp_path, site, DAY_OF, language)
    first_section = sheet[sheet.index("\n## ") + 1 :].splitlines()[0]
    assert first_section == heading
    # Nothing for yesterday: no fasting times or last doses gone by.
    assert before not in sheet and eat not in sheet
    assert "Friday" not in sheet and "viernes" not in sheet
    made_ahead, _ = make_sheet(tmp_path, site, AHEAD, language)
    assert before in made_ahead


def test_no_prescriber_on_the_sheet(tmp_path: Path, site: Site) -> None:
    """A hold the doctor did not approve yet: the sheet says who to ask, in plain words."""
    for language in LANGUAGES:
        for scenario in (AHEAD, STOPS, DAY_OF):
            sheet, _ = make_sheet(tmp_path, site, scenario, language)
            assert "prescriber" not in sheet.lower()
    ahead, _ = make_sheet(
        tmp_path,
        site,
        AHEAD,
        "en",
        medications=[{"name": "Brilinta", "prescriber_approved": False}],
    )
    assert "Talk with the doctor who prescribes it before you stop." in ahead


@pytest.mark.parametrize("language", LANGUAGES)
def test_golden_sheet_made_days_ahead(tmp_path: Path, language: str) -> None:
    """The built-in days-ahead fixture at the example site: every part of a sheet before the day."""
    import os

    import yaml
    from typer.testing import CliRunner

    from kyphocheck.cli.app import app
    from kyphocheck.site.folder import defaults_root
    from tests.conftest import ROOT

    fixture = ROOT / "examples" / "fixtures" / "days-ahead-kyphoplasty.yaml"
    data = yaml.safe_load(fixture.read_text())
    data["patient"]["language"] = language
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(data, sort_keys=False, default_flow_style=None))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["run", "--answers", str(answers), "--non-interactive", "--no-sign", "--out", str(out)]
        + ["--now", str(data["now"]), "--site", str(defaults_root() / "examples" / "site")],
    )
    assert result.exit_code == 0, result.output
    produced = (record_folders(out)[0] / "take-home.md").read_text()
    suffix = "" if language == "en" else f".{language}"
    golden = ROOT / "tests" / "golden" / f"days-ahead-take-home{suffix}.md"
    if os.environ.get("KYPHOCHECK_UPDATE_GOLDEN"):
        golden.write_text(produced)
    assert produced == golden.read_text(), "regenerate with KYPHOCHECK_UPDATE_GOLDEN=1 if intended"


@pytest.mark.parametrize(
    ("language", "title", "reason", "instruction"),
    [
        (
            "en",
            "Your plan at a glance",
            "We need to know when you took your last dose of **Eliquis (apixaban), Plavix"
            " (clopidogrel) and ibuprofen (Advil, Motrin)**.",
            "Call us today. Do not take any more of these",
        ),
        (
            "es",
            "Su plan de un vistazo",
            "Necesitamos saber cuándo tomó su última dosis de **Eliquis (apixabán), Plavix"
            " (clopidogrel) e ibuprofeno (Advil, Motrin)**.",
            "Llámenos hoy. No tome más de estas",
        ),
    ],
)
def test_medicines_with_the_same_reason_are_named_together(
    tmp_path: Path, site: Site, language: str, title: str, reason: str, instruction: str
) -> None:
    """Three medicines past their last day, last doses not known: one sentence, one plan row.

    A sentence and a row per medicine pushed the plan off page 1 for a long list.
    """
    from dataclasses import replace
    from datetime import datetime

    from tests.conftest import CHICAGO

    medicines = [
        {"name": "Eliquis", "dose": "5 mg twice a day", "prescriber_approved": True},
        {"name": "Plavix", "dose": "75 mg daily", "prescriber_approved": True},
        {"name": "ibuprofen", "dose": "400 mg as needed"},
        {"name": "sertraline", "dose": "50 mg daily"},
    ]
    late = replace(AHEAD, now=datetime(2026, 11, 30, 9, 0, tzinfo=CHICAGO))
    sheet, _ = make_sheet(tmp_path, site, late, language, medications=medicines)
    first = first_block(sheet)
    assert f"> - {reason}\n" in first
    assert first.count("> - ") == 1  # the allergy medicine's time is still ahead
    rows = table(sheet, title)
    assert [instruction, reason.split("**")[1]] in rows
    held = ("Eliquis", "Plavix", "ibuprof")
    assert all(sum(name in row[0] + row[1] for row in rows) == 1 for name in held)
    # One medicine alone keeps its own row: its name, then what to do.
    alone, _ = make_sheet(tmp_path, site, late, language, medications=medicines[2:])
    name = {"en": "ibuprofen (Advil, Motrin)", "es": "ibuprofeno (Advil, Motrin)"}[language]
    assert (
        dict(table(alone, title))[name]
        == instruction.replace(" of these", "").replace(" de estas", "") + "."
    )


@pytest.mark.parametrize(
    ("language", "closed", "ahead", "on_the_day"),
    [
        (
            "en",
            "When the office is closed, call **555-0199**. Someone answers day and night.",
            "The times below are for your procedure as it is planned now.",
            "Ask your nurse about this before you go home. If you are already home, call the"
            " clinic at 555-0100 today.",
        ),
        (
            "es",
            "Cuando la clínica esté cerrada, llame al **555-0199**. Alguien contesta de día y de"
            " noche.",
            "Las horas de abajo son para su procedimiento como está planeado ahora.",
            "Pregunte a su enfermera sobre esto antes de irse a casa. Si ya está en casa, llame"
            " hoy a la clínica al 555-0100.",
        ),
    ],
)
def test_the_call_today_box_says_whom_to_call_at_night_and_on_the_day(
    tmp_path: Path, site: Site, language: str, closed: str, ahead: str, on_the_day: str
) -> None:
    """A sheet made on a Sunday gave only the office's number to call "today"; one made on the
    morning of the procedure pointed to times below that a sheet of the day does not give."""
    sheet, _ = make_sheet(tmp_path, site, STOPS, language)
    first = first_block(sheet)
    assert closed in first and ahead in first and on_the_day not in first
    day_of, draft = make_sheet(tmp_path / "day", site, DAY_OF, language, inr=2.3)
    assert draft.record["cleared"] is False
    first = first_block(day_of)
    assert first.startswith(f"> **{CALL_US[language]}")
    assert on_the_day in first and closed in first and ahead not in first
    no_night_line = sheet_site(tmp_path / "no-24h", after_hours_phone=None)
    without, _ = make_sheet(tmp_path / "no-24h", no_night_line, STOPS, language)
    assert "555-0199" not in first_block(without)


@pytest.mark.parametrize(
    ("language", "title", "place"),
    [
        ("en", "Your plan at a glance", "Main Hospital, 2nd floor"),
        ("es", "Su plan de un vistazo", "Hospital principal, 2.º piso"),
    ],
)
def test_the_arrival_place_is_in_the_sheets_language(
    tmp_path: Path, language: str, title: str, place: str
) -> None:
    places = {"en": "Main Hospital, 2nd floor", "es": "Hospital principal, 2.º piso"}
    site = sheet_site(tmp_path, arrival_place=places)
    sheet, _ = make_sheet(tmp_path, site, AHEAD, language)
    [arrive] = [row for row in table(sheet, title) if row[0] in ("Arrive", "Llegue")]
    assert arrive[1].endswith(place)
    other = places["es" if language == "en" else "en"]
    assert other not in sheet
