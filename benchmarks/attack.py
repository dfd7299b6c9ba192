"""Attack figures for the closing notes and issue 16: `make attack`.

1. Fuzzed answers documents, checked in process: how many ended in anything but an InputError.
2. The slowest and largest answers file under the size limit: seconds and peak memory.
3. Single-byte tamperings of a signed take-home-sheet record: how many verify caught.
"""

from __future__ import annotations

import copy
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "example-patient.yaml"
NOW = "2026-12-01T07:45-06:00"
PATHS = [
    ("patient", "name"), ("patient", "mrn"), ("patient", "dob"), ("patient", "sex"),
    ("patient", "weight_kg"), ("patient", "language"), ("patient", "large_print"),
    ("procedure", "scheduled"), ("procedure", "timezone"), ("procedure", "levels"),
    ("procedure", "anesthesia"), ("procedure", "proceduralist"), ("answers", "inr"),
    ("answers", "platelets"), ("answers", "medications"), ("answers", "allergies"),
    ("answers", "last_solid_food"), ("answers", "last_clear_liquid"),
    ("answers", "driver_arranged"), ("answers", "pregnancy_status"), ("answers", "creatinine"),
    ("overrides",), ("checklist",), ("version",), ("answers", "unknown_item"),
]  # fmt: skip


def random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(12 if depth < 3 else 8)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 1, 10 ** rng.randrange(1, 500), rng.randrange(-1000, 1000)])
    if kind == 3:
        return rng.choice([0.5, 1e308, -1e-300, 1.25, 62.0])
    if kind == 4:
        return rng.choice(["", " ", "\x1b[2J", "\u202e", "a\x00b", "x" * rng.randrange(300)])
    if kind == 5:
        return rng.choice(
            ["2026-11-30T22:00", "9999-12-31T23:59", "2026-02-30T10:00", "2026-03-08T02:30"]
        )
    if kind == 6:
        return rng.choice(["1951-04-12", "1899-12-31", "2100-01-01", "Eliquis", "kyphoplasty"])
    if kind == 7:
        return "".join(chr(rng.randrange(1, 0x3000)) for _ in range(rng.randrange(20)))
    if kind in (8, 9):
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = ["name", "last_dose", "dose", "substance", "reaction", "finding", "by", "reason", "x"]
    return {rng.choice(keys): random_value(rng, depth + 1) for _ in range(rng.randrange(4))}


def fuzz(count: int) -> tuple[int, int, list[str]]:
    import yaml

    from kyphocheck.errors import InputError
    from kyphocheck.intake.prepare import prepare
    from kyphocheck.site.data import SiteData
    from kyphocheck.site.folder import Site
    from kyphocheck.times import Clock, parse_now

    base = yaml.safe_load(EXAMPLE.read_text())
    base = json.loads(json.dumps(base, default=str))
    site = Site.open(None)
    loaded = SiteData(site)
    clock = Clock(parse_now(NOW), fixed=True)
    rng = random.Random(16)
    crashes: list[str] = []
    refused = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.json"
        for _ in range(count):
            data = copy.deepcopy(base)
            for _ in range(rng.randrange(1, 4)):
                where = rng.choice(PATHS)
                node = data
                for key in where[:-1]:
                    node = node.setdefault(key, {})
                node[where[-1]] = random_value(rng)
            path.write_text(json.dumps(data))
            try:
                prepare(site, path, clock, loaded)
            except InputError as exc:
                refused += 1
                if any("\n" in line for line in exc.lines()):
                    crashes.append("a message of more than one line")
            except Exception:  # noqa: BLE001 - what the figure counts
                crashes.append(traceback.format_exc().splitlines()[-1])
    return count, refused, crashes


def largest_input() -> tuple[float, float]:
    """A 1 MiB answers file (the limit) of many long allergy reactions: seconds, peak MB."""
    import yaml

    data = yaml.safe_load(EXAMPLE.read_text())
    data = json.loads(json.dumps(data, default=str))
    data["answers"]["allergies"] = [
        {"substance": f"thing {i}", "reaction": "r" * 190} for i in range(100)
    ]
    data["answers"]["padding"] = "p" * (1024 * 1024 - 40_000)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.json"
        text = json.dumps(data)
        path.write_text(text[: 1024 * 1024 - 2] + text[-2:] if len(text) > 1024 * 1024 else text)
        command = [
            sys.executable, "-c",
            "import resource,sys,time;t=time.perf_counter();"
            "from kyphocheck.cli import main;sys.argv=['kyphocheck','run','--answers',"
            f"{str(path)!r},'--non-interactive','--no-sign','--now','{NOW}','--out',"
            f"{str(Path(tmp) / 'out')!r}];\ntry: main()\nexcept SystemExit: pass\n"
            "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        seconds, peak_kb = done.stdout.split()[-2:]
        return float(seconds), int(peak_kb) / 1024


def tamper_sweep() -> tuple[int, int, list[str]]:
    """Every byte of a signed take-home sheet record's files, except the PDF outside its
    signature gap, where every 16th byte is changed (each is hashed by the signature)."""
    import re

    from kyphocheck.intake.prepare import prepare
    from kyphocheck.record.folder import write_record_folder
    from kyphocheck.record.pdf import start_pdf_workers
    from kyphocheck.record.pipeline import add_pdf, start_record
    from kyphocheck.signatures.identity import create_identity
    from kyphocheck.signatures.verify import Verifier, load_certificates
    from kyphocheck.site.folder import Site
    from kyphocheck.times import Clock, parse_now

    site = Site.open(None)
    clock = Clock(parse_now(NOW), fixed=True)
    identity = create_identity("Tamper Test", "RN", None, clock.real_now())
    with tempfile.TemporaryDirectory() as tmp:
        folder_root = Path(tmp)
        draft = start_record(
            site, prepare(site, EXAMPLE, clock), clock, identity, kinds=("take-home",)
        )
        with start_pdf_workers(1) as workers:
            for index, pdf in workers.run(job for _, job in draft.pdf_jobs):
                add_pdf(draft, draft.pdf_jobs[index][0], pdf, identity)
        folder = write_record_folder(folder_root / "out", "rec", draft.files)
        pem = folder_root / "signer.pem"
        pem.write_bytes(identity.certificate_pem())
        trusted = load_certificates([pem])
        record_json = (folder / "record.json").read_bytes()
        tried = caught = 0
        missed: list[str] = []
        for name in sorted(p.name for p in folder.iterdir()):
            path = folder / name
            original = path.read_bytes()
            spots = range(len(original))
            if name.endswith(".pdf"):
                found = re.search(rb"/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)", original)
                assert found is not None
                gap = range(int(found.group(1)), int(found.group(2)))
                spots = sorted(set(gap) | set(range(0, len(original), 16)))
            for index in spots:
                changed = bytearray(original)
                changed[index] ^= 0x01
                path.write_bytes(bytes(changed))
                verifier = Verifier(trusted)
                if name.endswith(".pdf"):
                    verifier.pdf(path, record_json, "take-home")
                else:
                    verifier.detached(folder / name.removesuffix(".p7s"))
                tried += 1
                if all(r.ok for r in verifier.results):
                    missed.append(f"{name}:{index}")
                else:
                    caught += 1
            path.write_bytes(original)
        shutil.rmtree(folder)
    return tried, caught, missed


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    started = time.perf_counter()
    total, refused, crashes = fuzz(count)
    print(
        f"fuzz: {total} documents, {refused} refused with an input error, "
        f"{len(crashes)} crashed ({time.perf_counter() - started:.0f} s)"
    )
    for crash in sorted(set(crashes))[:10]:
        print("   ", crash)
    seconds, peak = largest_input()
    print(f"largest answers file (1 MiB): {seconds:.2f} s, peak {peak:.0f} MB")
    started = time.perf_counter()
    tried, caught, missed = tamper_sweep()
    print(
        f"tamper: {caught} of {tried} single-byte changes caught "
        f"({100 * caught / tried:.2f}%, {time.perf_counter() - started:.0f} s)"
    )
    for spot in missed[:10]:
        print("   missed", spot)


if __name__ == "__main__":
    main()
