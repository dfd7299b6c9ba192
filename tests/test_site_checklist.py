"""Loading checklists: merging the shared part, and errors that name file, line and field."""
# ruff: noqa: E501 - expected messages are kept whole so they can be searched for

from __future__ import annotations

from pathlib import Path

import pytest

from kyphocheck.errors import InputError
from kyphocheck.site.checklist import list_checklists, load_checklist
from kyphocheck.site.folder import Site
from tests.helpers import make_site

PRODUCT_IDS = [
    "identity_verified",
    "consent_signed",
    "imaging_confirms_acute_fracture",
    "medications",
    "allergies",
    "last_solid_food",
    "last_clear_liquid",
    "driver_arranged",
    "driver_name",
    "driver_phone",
    "inr",
    "platelets",
    "hemoglobin",
    "creatinine",
    "pregnancy_status",
    "active_infection",
    "new_neuro_deficit",
    "can_lie_prone",
    "fever",
]


@pytest.mark.parametrize("checklist_id", ["kyphoplasty", "vertebroplasty"])
def test_default_checklists_keep_the_product_item_ids(site: Site, checklist_id: str) -> None:
    checklist = load_checklist(site, checklist_id)
    assert set(PRODUCT_IDS) <= set(checklist.by_id)
    assert checklist.files == (f"checklists/{checklist_id}.yaml", "checklists/parts/common.yaml")


def test_checklists_share_the_common_part(site: Site) -> None:
    kypho, verte = load_checklist(site, "kyphoplasty"), load_checklist(site, "vertebroplasty")
    assert [s.id for s in kypho.sections] == [s.id for s in verte.sections]
    assert kypho.by_id["kit_available"].item.prompt != verte.by_id["kit_available"].item.prompt
    assert kypho.sha256 != verte.sha256
    # The kit question is added to the shared day-of section, at its end.
    assert kypho.sections[-1].items[-1].id == "kit_available"


def test_every_rule_has_a_source(site: Site) -> None:
    for checklist, _ in list_checklists(site):
        for compiled in checklist.rules:
            assert len(compiled.rule.source) > 10, compiled.rule.id


def test_hash_is_stable(site: Site) -> None:
    assert load_checklist(site, "kyphoplasty").sha256 == load_checklist(site, "kyphoplasty").sha256


BASE = """\
id: mini
version: "1"
title: Mini
procedure_name: mini
patient_description: A test checklist.
sections:
  - id: labs
    title: Labs
    items:
      - id: inr
        type: number
        prompt: INR value
{extra_items}
rules:
{rules}
"""


def load_mini(tmp_path: Path, extra_items: str = "", rules: str = "  []") -> None:
    site = make_site(
        tmp_path,
        {"checklists/mini.yaml": BASE.format(extra_items=extra_items, rules=rules)},
    )
    load_checklist(Site.open(site), "mini")


def error_of(call) -> str:
    with pytest.raises(InputError) as info:
        call()
    return "\n".join(info.value.lines())


def test_typo_in_when_suggests_the_item(tmp_path: Path) -> None:
    extra = """\
      - id: note
        type: text
        prompt: A note please
        when: "inrr > 2"
"""
    message = error_of(lambda: load_mini(tmp_path, extra))
    assert "checklists/mini.yaml:16: sections[0].items[1].when: unknown item 'inrr'" in message
    assert "did you mean 'inr'?" in message


def test_when_may_not_read_a_later_item(tmp_path: Path) -> None:
    extra = """\
      - id: first
        type: text
        prompt: First question
        when: "second == 'x'"
      - id: second
        type: text
        prompt: Second question
"""
    assert "unknown item 'second'" in error_of(lambda: load_mini(tmp_path, extra))


def test_expression_syntax_error(tmp_path: Path) -> None:
    rules = """\
  - id: bad
    item: inr
    when: "inr >"
    severity: stop
    message: A message that is long enough.
    source: somewhere
"""
    message = error_of(lambda: load_mini(tmp_path, rules=rules))
    assert "mini.yaml:17: rules[0].when: 'inr >' is not a valid expression" in message


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            "item: inrr\n    when: 'inr > 1'\n    severity: stop\n    source: S1 2018",
            "rules[0].item: unknown item 'inrr'; did you mean 'inr'?",
        ),
        (
            "item: inr\n    when: 'inr > 1'\n    severity: urgent\n    source: S1 2018",
            "rules[0].severity: Input should be 'info', 'notify' or 'stop'",
        ),
        ("item: inr\n    when: 'inr > 1'\n    severity: stop", "rules[0].source: Field required"),
        (
            "item: inr\n    when: 'inr > 1'\n    severity: stop\n    source: S1 2018\n    colour: red",
            "rules[0].colour: unknown field",
        ),
    ],
)
def test_rule_problems(tmp_path: Path, rule: str, expected: str) -> None:
    rules = f"  - id: r\n    message: A message that is long enough.\n    {rule}\n"
    assert expected in error_of(lambda: load_mini(tmp_path, rules=rules))


def test_duplicate_item_ids(tmp_path: Path) -> None:
    extra = "      - id: inr\n        type: number\n        prompt: INR again\n"
    assert "duplicate item id 'inr'" in error_of(lambda: load_mini(tmp_path, extra))


def test_choice_item_without_choices(tmp_path: Path) -> None:
    extra = "      - id: pick\n        type: choice\n        prompt: Pick one\n"
    message = error_of(lambda: load_mini(tmp_path, extra))
    assert "mini.yaml:13: sections[0].items[1]: a choice item needs choices" in message


def test_unknown_checklist_suggests(site: Site) -> None:
    assert "did you mean 'kyphoplasty'?" in error_of(lambda: load_checklist(site, "kyphoplsty"))


def test_file_name_must_match_id(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"checklists/other.yaml": BASE.format(extra_items="", rules="  []")})
    assert "id: 'mini' must match the file name 'other'" in error_of(
        lambda: load_checklist(Site.open(site), "other")
    )


def test_site_overrides_the_shared_part_file_by_file(tmp_path: Path, site: Site) -> None:
    common = (site.defaults / "checklists/parts/common.yaml").read_text()
    changed = common.replace("prompt: INR\n", "prompt: INR (site wording)\n")
    site_dir = make_site(tmp_path, {"checklists/parts/common.yaml": changed})
    checklist = load_checklist(Site.open(site_dir), "kyphoplasty")
    assert checklist.by_id["inr"].item.prompt == "INR (site wording)"
    assert checklist.files[1].endswith("site/checklists/parts/common.yaml")
    assert checklist.sha256 != load_checklist(site, "kyphoplasty").sha256


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"checklists/mini.yaml": "id: mini\ntitle: [unclosed\n"})
    message = error_of(lambda: load_checklist(Site.open(site), "mini"))
    assert message.startswith(str(site / "checklists/mini.yaml") + ":")
    assert "invalid YAML" in message
