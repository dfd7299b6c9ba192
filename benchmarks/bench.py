"""Timings, reported as medians; whole-process ones beside a floor measured in the same run.

Targets: `kyphocheck --help` at most 1.5x the floor `python -c "import typer, rich"`; a scripted
run of the example before any PDF is made (Markdown only) at most 0.6 s; in the interactive flow,
the time from an answer to the next prompt being drawn (assessment and autosave included) under
50 ms; a full signed run (two PDFs, two Markdown files, signatures) as a whole process at most
2.5 s with peak memory under 200 MB; the in-process render+sign time per record under 400 ms;
`kyphocheck check` of the default site (without --pdf) as a whole process under 3 s; and
`kyphocheck sheet` (signed): 100 sheets with --jobs 2 at least 1.6x the throughput of --jobs 1,
under 300 ms per sheet warm (the marginal time from 20 to 100 sheets), and peak memory under
250 MB whatever the count (100 and 400 sheets); `kyphocheck verify` of one signed record (no
target: reported), and `kyphocheck verify --log` of an output folder of 1,000 records under 2 s
(peak memory reported); a signed run with the site's TSA (a real one on 127.0.0.1, tests/tsa.py)
at most 150 ms slower per record than without, judged in process on kyphocheck's part (the test
TSA's own token-making, 10-15 ms a token in Python, is the TSA's; the whole-run difference is
printed beside it); and, in process, reading the example's FHIR
bundle into answers and exporting a record as a FHIR Bundle each under 0.3 s.

`python benchmarks/bench.py --only signing` runs just the signed run with and without the
local TSA (alternating), the timestamp's cost in process, and verify of one record of each.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXAMPLE = ROOT / "examples" / "example-patient.yaml"
REPEATS = 15
PAIRS = 3  # --only signing: runs with and without the TSA, alternating


def peak_memory_mb(command: list[str], env: dict[str, str]) -> float:
    """Peak resident memory of a child process, in MB (from its rusage)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(command, check=True, capture_output=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(after, before) / 1024


def tree_peak_rss_mb(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Peak summed resident memory of a command and its workers, and the most processes at once.

    Sampled every 5 ms from /proc. Pages a worker shares with the process it was forked from
    count in each: an upper bound.
    """

    def tree(pid: int) -> list[int]:
        pids = [pid]
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            for child in task.read_text().split():
                pids += tree(int(child))
        return pids

    def rss_kb(pid: int) -> int:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    peak, most = 0, 0
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    while process.poll() is None:
        try:
            pids = tree(process.pid)
            peak = max(peak, sum(rss_kb(pid) for pid in pids))
            most = max(most, len(pids))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            pass  # a process ended while it was read
        time.sleep(0.005)
    assert process.returncode == 0, command
    return peak / 1024, most


def sheet_answers(folder: Path, count: int) -> list[str]:
    """`count` answers files of invented patients, the example with a new MRN each."""
    text = EXAMPLE.read_text()
    files = []
    for number in range(count):
        path = folder / f"patient-{number:04d}.yaml"
        if not path.exists():
            path.write_text(text.replace('mrn: "00482913"', f'mrn: "BENCH-{number:04d}"'))
        files.append(str(path))
    return files


def sheets_run(
    folder: Path, count: int, jobs: int, env: dict[str, str]
) -> tuple[float, float, float]:
    """Seconds, per-process peak MB and process-tree peak MB of one `sheet` batch."""
    import shutil

    out = folder / f"out-{count}-{jobs}"
    shutil.rmtree(out, ignore_errors=True)
    command = [
        str(BIN / "kyphocheck"),
        "sheet",
        "--answers",
        *sheet_answers(folder / "answers", count),
        "--out",
        str(out),
        "--jobs",
        str(jobs),
        "--now",
        "2026-12-01T07:45-06:00",
    ]
    start = time.perf_counter()
    tree_peak, _ = tree_peak_rss_mb(command, env)
    seconds = time.perf_counter() - start
    shutil.rmtree(out, ignore_errors=True)
    return seconds, peak_memory_mb(command, env), tree_peak


def markdown_only_seconds(repeats: int = REPEATS) -> float:
    """A scripted run up to the Markdown documents, in a fresh process each time."""
    code = (
        "import sys; from pathlib import Path; from kyphocheck.cli.options import make_clock;"
        "from kyphocheck.site.folder import Site; from kyphocheck.intake.prepare import prepare;"
        "from kyphocheck.assess import assess;"
        "from kyphocheck.record.build import build_record, seal_id;"
        "from kyphocheck.record.documents import render_documents;"
        "site=Site.open(None); clock=make_clock('2026-12-01T07:45-06:00');"
        f"p=prepare(site, Path({str(EXAMPLE)!r}), clock);"
        "a=assess(p.checklist, p.protocol, p.encounter, clock.now);"
        "r=seal_id(build_record(p.checklist, p.protocol, p.encounter, a, clock, 'x'));"
        "render_documents(r, p.checklist, site)"
    )
    return median_seconds([sys.executable, "-c", code], repeats)[0]


def in_process_render_and_sign() -> list[float]:
    """Seconds per record to render and sign everything, warm (a process and its PDF workers).

    Warm as in `kyphocheck sheet` or an interactive session, whose workers load while it runs.
    """
    import os

    sys.path.insert(0, str(ROOT))
    from kyphocheck.intake.prepare import prepare
    from kyphocheck.record.pdf import start_pdf_workers
    from kyphocheck.record.pipeline import make_record_files
    from kyphocheck.signatures.identity import create_identity
    from kyphocheck.site.folder import Site
    from kyphocheck.times import Clock, parse_now

    os.environ.setdefault("KYPHOCHECK_NOW", "")
    clock = Clock(parse_now("2026-12-01T07:45-06:00"), fixed=True)
    site = Site.open(None)
    identity = create_identity("Bench Signer", "RN", None, clock.now)
    prepared = prepare(site, EXAMPLE, clock)
    with start_pdf_workers() as workers:
        make_record_files(site, prepared, clock, identity, workers)  # warm-up: imports, fonts
        times = []
        for _ in range(9):
            start = time.perf_counter()
            make_record_files(site, prepared, clock, identity, workers)
            times.append(time.perf_counter() - start)
    return times


def log_of_records(source: Path, out: Path, count: int) -> None:
    """An output folder of `count` records, each a copy of `source`'s files, and their log.

    Written through the folder writer (so each is logged as a run logs it) rather than by
    `count` signed runs, which would take most of an hour.
    """
    from kyphocheck.record.folder import write_record_folder

    files = {p.name: p.read_bytes() for p in source.iterdir()}
    for n in range(count):
        write_record_folder(out, f"{source.name}_{n:04d}", files)


def signed_run_with_tsa(
    signed_cmd: list[str], env: dict[str, str], home: Path, record: Path
) -> tuple[float, float]:
    """Median seconds of the signed run against a site whose timestamp_url is a local TSA,
    and kyphocheck's part of what a timestamp adds in process (in_process_tsa_cost)."""
    sys.path.insert(0, str(ROOT))
    from tests.tsa import local_tsa

    site = home / "tsa-site"
    site.mkdir()
    with local_tsa(home) as tsa:
        (site / "site.yaml").write_text(f"name: Bench Clinic\ntimestamp_url: {tsa.url}\n")
        command = [*signed_cmd, "--site", str(site)]
        subprocess.run(command, check=True, capture_output=True, env=env)  # warm-up
        times = []
        for _ in range(7):
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, env=env)
            times.append(time.perf_counter() - start)
        wall_cost, _, tsa_busy = in_process_tsa_cost(record, tsa)
    return statistics.median(times), wall_cost - tsa_busy


def in_process_tsa_cost(folder: Path, tsa: Any) -> tuple[float, float, float]:
    """Wall and CPU seconds a timestamp adds to signing one record's files, in process, and
    the seconds of that wall time the local TSA spent making its tokens.

    What a run does with a TSA and without: ask it once, then sign the three .p7s and the two
    PDFs (those of `folder`, signed again). Whole-process medians on a loaded shared machine
    vary by more than the cost measured; these are medians of 7. The test TSA (pyHanko's
    DummyTimeStamper, in Python, in this process) takes 10-15 ms to make a token: that is the
    TSA's time, not kyphocheck's, and a site's TSA runs on its own machine.
    """
    from datetime import UTC, datetime

    from kyphocheck.signatures.identity import create_identity
    from kyphocheck.signatures.sign import preload_signing, sign_detached_cms, sign_pdf
    from kyphocheck.signatures.timestamps import reachable_tsa

    preload_signing()
    identity = create_identity("Bench Signer", "RN", None, datetime.now(UTC))
    markdown = [(folder / n).read_bytes() for n in ("summary.md", "take-home.md", "record.json")]
    pdfs = [(folder / n).read_bytes() for n in ("summary.pdf", "take-home.pdf")]

    def sign_all(with_tsa: bool) -> None:
        client = reachable_tsa(tsa.url) if with_tsa else None
        for data in markdown:
            sign_detached_cms(data, identity, client)
        for pdf in pdfs:
            sign_pdf(pdf, identity, reason="bench", role="bench", tsa=client)  # a new field

    costs: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    sign_all(True)  # warm-up: imports, the first connection
    busy = []
    for _ in range(7):
        for with_tsa in (False, True):
            answered = len(tsa.busy)
            wall, cpu = time.perf_counter(), time.process_time()
            sign_all(with_tsa)
            costs[with_tsa].append((time.perf_counter() - wall, time.process_time() - cpu))
            if with_tsa:
                busy.append(sum(tsa.busy[answered:]))
    wall_cost, cpu_cost = (
        statistics.median(t[i] for t in costs[True]) - statistics.median(t[i] for t in costs[False])
        for i in (0, 1)
    )
    return wall_cost, cpu_cost, statistics.median(busy)


def signing_only() -> int:
    """`bench.py --only signing`: the signed run with and without a local TSA, and verify.

    The two runs alternate, so that the load of a shared machine falls on both alike: their
    difference is what a timestamp costs (one request before signing, one per signature).
    """
    import os

    sys.path.insert(0, str(ROOT))
    from tests.tsa import local_tsa

    kyphocheck = str(BIN / "kyphocheck")
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "XDG_CONFIG_HOME": home,
            "KYPHOCHECK_SIGNER_PASSPHRASE": "bench passphrase",
        }
        init = [kyphocheck, "signer", "init", "--name", "Bench Signer", "--credentials", "RN"]
        subprocess.run(init, check=True, capture_output=True, env=env)
        site = Path(home) / "tsa-site"
        site.mkdir()
        plain, stamped = Path(home) / "plain", Path(home) / "stamped"
        run = [kyphocheck, "run", "--answers", str(EXAMPLE), "--non-interactive"]
        run += ["--now", "2026-12-01T07:45-06:00"]
        times: dict[str, list[float]] = {"plain": [], "stamped": []}
        with local_tsa(Path(home)) as tsa:
            (site / "site.yaml").write_text(f"name: Bench Clinic\ntimestamp_url: {tsa.url}\n")
            commands = {
                "plain": [*run, "--out", str(plain)],
                "stamped": [*run, "--out", str(stamped), "--site", str(site)],
            }
            for kind in ("plain", "stamped"):  # warm-up
                subprocess.run(commands[kind], check=True, capture_output=True, env=env)
            for _ in range(PAIRS):
                for kind in ("plain", "stamped"):
                    start = time.perf_counter()
                    subprocess.run(commands[kind], check=True, capture_output=True, env=env)
                    times[kind].append(time.perf_counter() - start)
            requests = len(tsa.requests)
            wall_cost, cpu_cost, tsa_busy = in_process_tsa_cost(
                min(p for p in plain.iterdir() if p.is_dir()), tsa
            )
        # Verified as an auditor would: the signer (the local identity) and the TSA's CA.
        trust = ["--trust", str(tsa.ca_pem)]
        verify = {
            kind: median_seconds(
                [kyphocheck, "verify", str(min(p for p in folder.iterdir() if p.is_dir()))]
                + (trust if kind == "stamped" else []),
                repeats=5,
                env=env,
            )
            for kind, folder in (("plain", plain), ("stamped", stamped))
        }
    plain_median = statistics.median(times["plain"])
    stamped_median = statistics.median(times["stamped"])
    cost = stamped_median - plain_median
    print(f"signed run:                    {plain_median:.3f} s (median of {PAIRS})")
    print(
        f"signed run with a local TSA:   {stamped_median:.3f} s, {cost * 1000:.0f} ms more "
        f"({requests // (PAIRS + 1)} requests a record; target < 150 ms)"
    )
    ours = wall_cost - tsa_busy
    print(
        f"in process, a timestamp adds   {wall_cost * 1000:.0f} ms wall, {cpu_cost * 1000:.0f} ms "
        f"CPU per record, of which the local TSA making its tokens {tsa_busy * 1000:.0f} ms: "
        f"kyphocheck's part {ours * 1000:.0f} ms (target < 150 ms)"
    )
    print(f"verify of one signed record:   {verify['plain'][0]:.3f} s (median of 5)")
    print(f"verify of one stamped record:  {verify['stamped'][0]:.3f} s (median of 5)")
    # The target's measure is kyphocheck's part of the in-process wall cost: the whole-process
    # difference carries the noise of the other processes sharing the machine, and the test
    # TSA's own token-making is the TSA's (both are printed above).
    print("targets met" if ours < 0.15 else "TARGETS MISSED")
    return 0 if ours < 0.15 else 1


def fhir_seconds(record: Path) -> dict[str, float]:
    """In process: reading the example's FHIR bundle into answers, and exporting a record.

    The first import includes loading fhir.resources (once per command); the others are warm,
    as the models are loaded. The export leaves out verifying the record (bench: verify).
    """
    import json

    sys.path.insert(0, str(ROOT))
    start = time.perf_counter()
    from kyphocheck.intake.fhir_bundle import read_bundle
    from kyphocheck.intake.fhir_prefill import prefill
    from kyphocheck.record.fhir.export import export_bundle
    from kyphocheck.site.data import SiteData
    from kyphocheck.site.folder import Site
    from kyphocheck.times import parse_now

    loaded = SiteData(Site.open(None))
    now = parse_now("2026-12-01T07:45-06:00")
    bundle_file = ROOT / "examples" / "fhir" / "example-patient.json"

    def read() -> None:
        bundle = read_bundle(bundle_file)
        prefill(bundle, loaded.code_maps(), loaded.protocol().drugs, now, None, loaded.checklist)

    read()
    first = time.perf_counter() - start
    reads = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        read()
        reads.append(time.perf_counter() - start)
    data = json.loads((record / "record.json").read_bytes())
    checklist = loaded.checklist(data["checklist"]["id"])
    exports = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        export_bundle(record, data, checklist).model_dump_json(exclude_none=True)
        exports.append(time.perf_counter() - start)
    return {
        "import, first (modules and site data loaded)": first,
        "import": statistics.median(reads),
        "export": statistics.median(exports),
    }


def median_seconds(
    command: list[str], repeats: int = REPEATS, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Median and minimum wall time of `command` over `repeats` runs, after one warm-up."""
    subprocess.run(command, check=True, capture_output=True, env=env)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


class TimingPrompter:
    """A scripted prompter that notes when each answer is given and the next prompt asked."""

    def __init__(self, responses: list[object]) -> None:
        from kyphocheck.cli.interactive.prompts import ScriptedPrompter

        self.inner = ScriptedPrompter(responses)
        self.gaps: list[float] = []
        self._answered: float | None = None

    def __getattr__(self, name: str) -> object:
        method = getattr(self.inner, name)

        def timed(*args: object, **kwargs: object) -> object:
            if self._answered is not None:
                self.gaps.append(time.perf_counter() - self._answered)
            result = method(*args, **kwargs)
            self._answered = time.perf_counter()
            return result

        return timed


def answer_to_next_prompt() -> list[float]:
    """Gaps between an answer and the next prompt over the full walk (output discarded)."""
    import contextlib
    import io

    sys.path.insert(0, str(ROOT))
    from kyphocheck.cli.interactive.session import Options, start
    from kyphocheck.interview.drafts import DraftStore
    from kyphocheck.site.folder import Site
    from kyphocheck.times import Clock, parse_now
    from tests import walk

    gaps: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(5):
            options = Options(
                Site.open(None),
                Clock(parse_now("2026-12-01T07:45-06:00"), fixed=True),
                Path(folder) / f"out{run}",
                no_sign=True,
            )
            prompter = TimingPrompter(walk.full_walk())
            with contextlib.redirect_stdout(io.StringIO()):
                start(options, prompter, None, "kyphoplasty", DraftStore(Path(folder) / "d"))  # type: ignore[arg-type]
            gaps += prompter.gaps
    return gaps


def main() -> int:
    floor = [sys.executable, "-c", "import typer, rich"]
    help_cmd = [str(BIN / "kyphocheck"), "--help"]
    with tempfile.TemporaryDirectory() as out:
        run_cmd = [
            str(BIN / "kyphocheck"),
            "run",
            "--answers",
            str(EXAMPLE),
            "--non-interactive",
            "--no-sign",
            "--now",
            "2026-12-01T07:45-06:00",
            "--out",
            out,
        ]
        results = {
            "floor: python -c 'import typer, rich'": median_seconds(floor),
            "kyphocheck --help": median_seconds(help_cmd),
            "kyphocheck run (example, unsigned with PDFs)": median_seconds(run_cmd),
            "kyphocheck check (default site, no --pdf)": median_seconds(
                [str(BIN / "kyphocheck"), "check", "--format", "json"], repeats=7
            ),
        }
    results["kyphocheck run (example, to Markdown)"] = (markdown_only_seconds(), 0.0)
    import os

    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "XDG_CONFIG_HOME": home,
            "KYPHOCHECK_SIGNER_PASSPHRASE": "bench passphrase",
        }
        subprocess.run(
            [
                str(BIN / "kyphocheck"),
                "signer",
                "init",
                "--name",
                "Bench Signer",
                "--credentials",
                "RN",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        signed_cmd = [
            str(BIN / "kyphocheck"),
            "run",
            "--answers",
            str(EXAMPLE),
            "--non-interactive",
            "--now",
            "2026-12-01T07:45-06:00",
            "--out",
            str(Path(home) / "out"),
        ]
        subprocess.run(signed_cmd, check=True, capture_output=True, env=env)  # warm-up
        signed_times = []
        for _ in range(7):
            start = time.perf_counter()
            subprocess.run(signed_cmd, check=True, capture_output=True, env=env)
            signed_times.append(time.perf_counter() - start)
        signed_peak = peak_memory_mb(signed_cmd, env)
        tree_peak, processes = tree_peak_rss_mb(signed_cmd, env)
        one_record = sorted(p for p in (Path(home) / "out").iterdir() if p.is_dir())[0]
        tsa_median, tsa_ours = signed_run_with_tsa(signed_cmd, env, Path(home), one_record)
        verify_one = [str(BIN / "kyphocheck"), "verify", str(one_record)]
        verify_median = median_seconds(verify_one, repeats=7, env=env)
        log_folder = Path(home) / "log-of-1000"
        log_of_records(one_record, log_folder, 1000)
        verify_log = [str(BIN / "kyphocheck"), "verify", "--log", str(log_folder)]
        verify_log_median = median_seconds(verify_log, repeats=5, env=env)
        verify_log_peak = peak_memory_mb(verify_log, env)
        fhir = fhir_seconds(one_record)
        folder = Path(home) / "sheets"
        (folder / "answers").mkdir(parents=True)
        sheets = {
            (count, jobs): sheets_run(folder, count, jobs, env)
            for count, jobs in ((20, 1), (100, 1), (20, 2), (100, 2), (400, 2))
        }
    results["kyphocheck run (signed: 2 PDFs, 2 Markdown)"] = (
        statistics.median(signed_times),
        min(signed_times),
    )
    results["kyphocheck verify (one signed record)"] = verify_median
    results["kyphocheck verify --log (1,000 records)"] = verify_log_median
    print(f"{'benchmark':45} {'median':>9} {'min':>9}   ({REPEATS} runs each, signed: 7)")
    for name, (median, best) in results.items():
        print(f"{name:45} {median * 1000:7.0f}ms {best * 1000:7.0f}ms")
    floor_median = results["floor: python -c 'import typer, rich'"][0]
    help_ratio = results["kyphocheck --help"][0] / floor_median
    run_median = results["kyphocheck run (example, to Markdown)"][0]
    signed_median = results["kyphocheck run (signed: 2 PDFs, 2 Markdown)"][0]
    check_median = results["kyphocheck check (default site, no --pdf)"][0]
    render_sign = statistics.median(in_process_render_and_sign())
    gaps = answer_to_next_prompt()
    gap_median = statistics.median(gaps)
    gap_p90 = statistics.quantiles(gaps, n=10)[-1]
    print(
        f"{'answer -> next prompt (full walk x5)':45} {gap_median * 1000:7.1f}ms "
        f"{min(gaps) * 1000:7.1f}ms   (p90 {gap_p90 * 1000:.1f} ms, max "
        f"{max(gaps) * 1000:.1f} ms, {len(gaps)} answers)"
    )
    print()
    print(f"--help / floor: {help_ratio:.2f}x (target <= 1.5x)")
    print(f"scripted run to Markdown: {run_median:.3f} s (target <= 0.6 s)")
    print(
        f"signed run:     {signed_median:.3f} s (target <= 2.5 s), peak {signed_peak:.0f} MB"
        f" per process (target < 200 MB); {processes} processes together at most"
        f" {tree_peak:.0f} MB (shared pages counted in each)"
    )
    print(f"render+sign in process: {render_sign * 1000:.0f} ms per record (target < 400 ms)")
    print(f"answer -> next prompt: {gap_median * 1000:.1f} ms median (target < 50 ms)")
    print(f"check, default site: {check_median:.3f} s (target < 3 s)")
    tsa_cost = tsa_median - signed_median
    print(
        f"signed run with a local TSA: {tsa_median:.3f} s, {tsa_cost * 1000:.0f} ms more than"
        f" without; in process kyphocheck's part {tsa_ours * 1000:.0f} ms, the test TSA's own"
        " token-making left out (target < 150 ms)"
    )
    print(f"verify of one signed record: {verify_median[0]:.3f} s")
    print(
        f"verify --log of 1,000 records: {verify_log_median[0]:.3f} s (target < 2 s), "
        f"peak {verify_log_peak:.0f} MB"
    )
    print(
        f"FHIR in process: import of the example bundle {fhir['import'] * 1000:.0f} ms "
        f"({fhir['import, first (modules and site data loaded)'] * 1000:.0f} ms the first time, "
        f"loading fhir.resources and the site data), export of a record "
        f"{fhir['export'] * 1000:.0f} ms (target each < 0.3 s)"
    )
    ratio = sheets[(100, 1)][0] / sheets[(100, 2)][0]
    warm = {j: (sheets[(100, j)][0] - sheets[(20, j)][0]) / 80 for j in (1, 2)}
    sheet_peak = max(v[1] for v in sheets.values())
    for (count, jobs), (seconds, peak, tree) in sheets.items():
        print(
            f"sheet: {count:3d} sheets, --jobs {jobs}: {seconds:6.2f} s "
            f"({count / seconds:5.1f}/s), peak {peak:.0f} MB per process, {tree:.0f} MB together"
        )
    print(
        f"sheet: --jobs 2 / --jobs 1 throughput {ratio:.2f}x (target >= 1.6x); per sheet warm "
        f"{warm[1] * 1000:.0f} ms (--jobs 1), {warm[2] * 1000:.0f} ms (--jobs 2) (target < 300 ms);"
        f" peak {sheet_peak:.0f} MB per process (target < 250 MB), 100 vs 400: "
        f"{sheets[(100, 2)][2]:.0f} vs {sheets[(400, 2)][2]:.0f} MB together"
    )
    ok = (
        help_ratio <= 1.5
        and run_median <= 0.6
        and gap_median < 0.05
        and signed_median <= 2.5
        and signed_peak < 200
        and render_sign < 0.4
        and check_median < 3
        and ratio >= 1.6
        and max(warm.values()) < 0.3
        and sheet_peak < 250
        and verify_log_median[0] < 2
        and tsa_ours < 0.15
        and fhir["import"] < 0.3
        and fhir["export"] < 0.3
    )
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    only = sys.argv[1:] == ["--only", "signing"]
    raise SystemExit(signing_only() if only else main())
