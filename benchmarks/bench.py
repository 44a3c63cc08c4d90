"""Benchmarks: each figure is compared with a baseline measured in the same run, on the same machine.

    python benchmarks/bench.py            # everything (about two minutes on 2 cores)
    python benchmarks/bench.py --quick    # fewer repetitions and 60 workbooks for the batch
    python benchmarks/bench.py --profile  # where the in-process conversion spends its time
    python benchmarks/bench.py --import   # only reading published reports (web page, Word, PDF)
    python benchmarks/bench.py --season   # only the collection season: status of 2,000 files, an unchanged rerun
    python benchmarks/bench.py --export   # only open data: 500 units x 3 years exported (size and time)
    python benchmarks/bench.py --audit    # only the evaluator's audit: 500 published reports, cross-checks at 2,000

Rows: in-process conversion against the bare floor (calamine read + docxtpl render and save with a ready
context); a cold `nianbao convert` process against importing pandas, openpyxl and docxtpl; `nianbao batch`
with 1 and 2 jobs; peak memory of a batch worker; PDF in a batch, amortised per report, against one cold
LibreOffice conversion; reading a published report against the bare parse by its library. Medians; not a test — machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jinja2
import pandas as pd
from docxtpl import DocxTemplate

from nianbao.conversion import check
from nianbao.form.model import load_form
from nianbao.output.context import context
from nianbao.output.word import bundled_template, render_docx
from nianbao.workbook.fill import filled_workbook

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [ROOT / "examples" / "大庄乡人民政府2024.xlsx", ROOT / "examples" / "平潭综合实验区2024.xlsx"]


def realistic(i: int, rng: random.Random) -> bytes:
    """A township/department workbook with plausible, consistent figures (every relation holds)."""
    form = load_form("2021")
    t3 = form.tables["table3"]
    figures: dict[str, dict[str, object]] = {"table2": {}, "table3": {}, "table4": {}}
    t2 = figures["table2"]
    t2.update({"B4": rng.randint(0, 30), "C4": rng.randint(0, 10), "D4": rng.randint(20, 400), "B7": rng.randint(0, 5000),
               "B10": rng.randint(0, 1500), "B11": rng.randint(0, 80), "B14": round(rng.uniform(0, 20000), 2)})
    leaf_rows = list(range(6, 27))
    for col in "DEFGHI":
        new = rng.choice([0, 0, 1, 2, 5, 20, 80]) if col != "D" else rng.randint(0, 250)
        carried = rng.choice([0, 0, 1, 3])
        figures["table3"][f"{col}4"], figures["table3"][f"{col}5"] = new, carried
        left = new + carried
        carry_next = rng.randint(0, min(left, 3))
        figures["table3"][f"{col}28"] = carry_next
        left -= carry_next
        for r in leaf_rows:
            figures["table3"][f"{col}{r}"] = 0
        while left:
            r = rng.choice(leaf_rows[:2] * 6 + leaf_rows)  # most requests are answered in full or in part
            k = rng.randint(1, left)
            figures["table3"][f"{col}{r}"] += k  # type: ignore[operator]
            left -= k
    assert all(ref in t3.numeric for ref in figures["table3"])
    for block in ("ABCD", "FGHI", "KLMN"):
        for c in block:
            figures["table4"][f"{c}4"] = rng.choice([0, 0, 0, 1, 2])
    wb = filled_workbook(
        "2021",
        {"agency": f"第{i:03d}乡人民政府", "agency_type": "乡镇街道", "year": 2024, "date": "2025年1月15日"},
        figures,
        general=[("", "2024年，本乡依照《中华人民共和国政府信息公开条例》做好政府信息公开工作。"),
                 ("主动公开", "及时公开各类政策文件。"), ("依申请公开", "依法答复政府信息公开申请。")],
        problems=[("", "存在的问题：公开内容还不够丰富。改进措施：一是丰富内容，二是加强培训。")],
        other={"other": "无其他需要报告的事项。"},
    )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def median_seconds(fn, runs: int) -> float:
    fn()  # warm
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_in_process(paths: list[Path], runs: int) -> list[tuple[str, float, float, str]]:
    template = bundled_template()
    ready = []
    for p in paths:
        sub, report = check(p)
        ready.append(context(sub, report))

    def ours(sandbox: bool):
        def run():
            for p in paths:
                sub, report = check(p) if sandbox else check(p, limits=None)
                render_docx(context(sub, report))
        return run

    def floor(cached: bool):
        env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
        compiled: dict[str, jinja2.Template] = {}
        if cached:
            plain = env.from_string
            env.from_string = lambda src, *a, **k: compiled.setdefault(src, plain(src))  # type: ignore[method-assign]

        def run():
            for p, ctx in zip(paths, ready):
                pd.read_excel(p, sheet_name=None, header=None, dtype=object, engine="calamine")
                tpl = DocxTemplate(io.BytesIO(template))
                tpl.render(ctx, jinja_env=env, autoescape=True)
                tpl.save(io.BytesIO())
        return run

    n = len(paths)
    bare = median_seconds(floor(False), runs) / n
    bare_cached = median_seconds(floor(True), runs) / n
    rows = []
    for label, fn in (("in-process conversion (load+check+render), sandboxed", ours(True)),
                      ("in-process conversion, no sandbox", ours(False))):
        t = median_seconds(fn, runs) / n
        rows.append((label + " vs bare floor", t, bare, "≤ 1.5×"))
        rows.append((label + " vs floor with compiled template cached", t, bare_cached, "(info)"))
    return rows


def bench_import(runs: int) -> list[tuple[str, float, float, str]]:
    """nianbao's reading of a published report (in-process, no sandbox) against the bare parse of the same
    file by the library underneath: lxml's tree, python-docx's document, pdfplumber's words of every page."""
    import lxml.html
    import pdfplumber
    from docx import Document

    from nianbao.conversion import convert
    from nianbao.published.importer import import_report

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        conv = convert(EXAMPLES[1], formats=("docx", "html", "pdf"))
        floors = {".html": lambda data: lxml.html.fromstring(data).xpath("//table//td"),
                  ".docx": lambda data: [c.text for t in Document(io.BytesIO(data)).tables for r in t.rows for c in r.cells],
                  ".pdf": lambda data: [(pg.extract_words(), pg.find_tables()) for pg in pdfplumber.open(io.BytesIO(data)).pages]}
        for kind, floor in floors.items():
            if kind not in conv.outputs:
                continue  # no LibreOffice: no PDF row
            path = Path(tmp) / f"report{kind}"
            path.write_bytes(conv.outputs[kind])
            data = path.read_bytes()
            ours = median_seconds(lambda path=path: import_report(path), runs)
            base = median_seconds(lambda floor=floor, data=data: floor(data), runs)
            rows.append((f"import {kind} (平潭) vs bare parse", ours, base, "(info)"))
    return rows


def bench_cold(runs: int) -> list[tuple[str, float, float, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.docx"
        cmd = [sys.executable, "-m", "nianbao", "convert", str(EXAMPLES[0]), "-o", str(out)]
        base = [sys.executable, "-c", "import pandas, openpyxl, docxtpl"]
        ours, floor = [], []
        for _ in range(runs):  # interleaved, so that machine noise hits both alike
            for dst, argv in ((ours, cmd), (floor, base)):
                t = time.perf_counter()
                subprocess.run(argv, check=False, capture_output=True)
                dst.append(time.perf_counter() - t)
    return [("cold `nianbao convert` process vs `python -c 'import pandas, openpyxl, docxtpl'`",
             statistics.median(ours), statistics.median(floor), "≤ 1.3×")]


BATCH_PROBE = """
import json, resource, sys, time
from pathlib import Path
from nianbao.apps.batch.run import run_batch
t = time.perf_counter()
r = run_batch(Path(sys.argv[1]), Path(sys.argv[2]), jobs=int(sys.argv[3]), force=True)
print(json.dumps({"seconds": time.perf_counter() - t, "n": len(r.items), "ok": r.counts()["已生成"],
                  "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def bench_batch(count: int, rng: random.Random) -> tuple[list[tuple[str, float, float, str]], list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "inbox"
        inbox.mkdir()
        for i in range(count):
            (inbox / f"{i:03d}.xlsx").write_bytes(realistic(i, rng))
        results = {}
        for jobs in (1, 2):
            out = subprocess.run([sys.executable, "-c", BATCH_PROBE, str(inbox), str(Path(tmp) / f"out{jobs}"), str(jobs)],
                                 capture_output=True, text=True, check=True)
            results[jobs] = json.loads(out.stdout)
    one, two = results[1], results[2]
    assert one["ok"] == two["ok"] == count, (one, two)
    rows = [
        (f"batch of {count}, 2 jobs vs 1 job (wall seconds)", two["seconds"], one["seconds"], "speed-up ≥ 1.7×"),
    ]
    notes = [
        f"batch throughput: 1 job {count / one['seconds']:.1f} reports/s, 2 jobs {count / two['seconds']:.1f} reports/s (target ≥ 15/s)",
        f"peak RSS of a batch worker: {max(one['worker_peak_mb'], two['worker_peak_mb']):.0f} MB (target ≤ 250 MB)",
    ]
    return rows, notes


PDF_PROBE = """
import json, sys, time
from pathlib import Path
from nianbao.apps.batch.run import run_batch
t = time.perf_counter()
r = run_batch(Path(sys.argv[1]), Path(sys.argv[2]), jobs=2, force=True, formats=sys.argv[3].split(","))
print(json.dumps({"seconds": time.perf_counter() - t, "pdfs": sum(1 for it in r.items if it.pdf)}))
"""


def bench_pdf(count: int, rng: random.Random) -> tuple[list[tuple[str, float, float, str]], list[str]]:
    from nianbao.output.pdf import PdfError, convert, soffice

    try:
        soffice()
    except PdfError:
        return [], ["PDF rows: LibreOffice is not installed here"]
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "inbox"
        inbox.mkdir()
        for i in range(count):
            (inbox / f"{i:03d}.xlsx").write_bytes(realistic(1000 + i, rng))
        times = {}
        for fmt in ("docx", "docx,pdf"):
            out = subprocess.run([sys.executable, "-c", PDF_PROBE, str(inbox), str(Path(tmp) / fmt.replace(",", "-")), fmt],
                                 capture_output=True, text=True, check=True)
            times[fmt] = json.loads(out.stdout)
        assert times["docx,pdf"]["pdfs"] == count, times
        one = next((Path(tmp) / "docx" / "报告").glob("*.docx"))
        singles = []
        for _ in range(3):
            t = time.perf_counter()
            convert([one], Path(tmp) / f"single{len(singles)}")
            singles.append(time.perf_counter() - t)
    amortised = (times["docx,pdf"]["seconds"] - times["docx"]["seconds"]) / count
    return [(f"PDF in a batch of {count} (2 jobs), amortised per report vs one cold LibreOffice conversion",
             amortised, statistics.median(singles), "(lower is better)")], [
        f"batch of {count} with PDF: {times['docx,pdf']['seconds']:.1f} s in all ({count / times['docx,pdf']['seconds']:.1f} reports/s)"]


def profile(paths: list[Path]) -> None:
    def run():
        for _ in range(5):
            for p in paths:
                sub, report = check(p, limits=None)
                render_docx(context(sub, report))

    run()
    prof = cProfile.Profile()
    prof.runcall(run)
    pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


def bench_season(rng: random.Random, runs: int) -> tuple[list[tuple[str, float, float, str]], list[str]]:
    """A season's status: 2,000 files of 500 units (resubmissions, other years, unmatched) read from the
    season record and computed, against reading the records alone; and a rerun of batch --roster over an
    unchanged inbox of 500 workbooks (it must convert nothing) against the first run."""
    from nianbao.apps.batch.run import run_batch
    from nianbao.season.record import Received, SeasonRecord
    from nianbao.season.roster import Roster, Unit
    from nianbao.season.status import compute

    roster = Roster([Unit(f"青山县第{i:03d}街道办事处", emails=(f"u{i}@qs.gov.cn",), aliases=(f"第{i:03d}街道",)) for i in range(500)])
    notes = []
    with tempfile.TemporaryDirectory() as tmp:
        with SeasonRecord(Path(tmp) / "record.sqlite") as record:
            for n in range(2000):
                unit = rng.randrange(520)  # some files belong to no unit of the roster
                record.add(Received(f"{n:064x}", rng.choice(["folder", "mail", "web"]), f"file{n}.xlsx",
                                    f"2026-01-{1 + rng.randrange(28):02d}T{rng.randrange(24):02d}:00:00+08:00",
                                    rng.choice(["ok", "ok", "errors", "unreadable"]), agency=f"第{unit:03d}街道办事处",
                                    year=rng.choice([2025] * 9 + [2024])))
            ours = median_seconds(lambda: compute(roster, record.all(), 2025, record.pins(), record.assignments()), runs)
            base = median_seconds(record.all, runs)
        rows = [("season status of 2,000 files / 500 units vs reading the records", ours, base, "ours < 1 s")]
        inbox, out = Path(tmp) / "inbox", Path(tmp) / "out"
        inbox.mkdir()
        template = realistic(0, rng)
        import openpyxl  # the unit's name written into each copy

        for i in range(500):
            wb = openpyxl.load_workbook(io.BytesIO(template))
            wb["基本信息"]["B3"] = roster.units[i].name
            wb.save(inbox / f"{i:03d}.xlsx")
        t = time.perf_counter()
        first = run_batch(inbox, out, jobs=2, roster=roster)
        first_s = time.perf_counter() - t
        t = time.perf_counter()
        again = run_batch(inbox, out, jobs=2, roster=roster)
        again_s = time.perf_counter() - t
        converted = sum(not it.skipped for it in again.items)
        rows.append(("batch --roster rerun over 500 unchanged files vs the first run", again_s, first_s, "converts nothing"))
        assert first.season is not None
        notes.append(f"season rerun: {converted} of {len(again.items)} files converted again (target 0); "
                     f"{first.season.headline()}")
    return rows, notes


def bench_export(rng: random.Random, runs: int) -> tuple[list[tuple[str, float, float, str]], list[str]]:
    """nianbao export of 500 units x 3 years from three season folders (records with the roster kept), against
    the floor: reading the same records and writing their figures as bare (unit, year, table, cell, value) CSV
    rows — no labels, no dictionary, no xlsx, no overview."""
    import csv
    import json

    from nianbao.conversion import check, figures_of
    from nianbao.season.opendata import export
    from nianbao.season.record import Received, SeasonRecord
    from nianbao.season.roster import Roster, Unit
    from nianbao.season.status import from_record
    from nianbao.season.units import read_units

    roster = Roster([Unit(f"青山县第{i:03d}街道办事处", "乡镇街道", parent="青山县") for i in range(500)])
    notes = []
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample.xlsx"
        sample.write_bytes(realistic(1, rng))
        sub, _ = check(sample)
        assert sub is not None
        base = figures_of(sub)
        folders = []
        for year in (2022, 2023, 2024):
            folder = Path(tmp) / str(year)
            with SeasonRecord(folder / "报送记录.sqlite") as record:
                for i, unit in enumerate(roster.units):
                    if rng.random() < 0.04:
                        continue  # a few units never report
                    figures = {t: {ref: str(int(v) + rng.randrange(3)) if "." not in v else v for ref, v in cells.items()}
                               for t, cells in base.items()}
                    record.add(Received(f"{year}{i:060x}", "folder", f"{i}.xlsx", f"{year + 1}-01-10T09:00:00+08:00", "ok",
                                        agency=unit.name, year=year, form="2021", figures=json.dumps(figures, ensure_ascii=False)))
                from_record(record, roster, year)  # keeps the roster in the record, as batch --roster does
            folders.append(folder)

        def ours():
            export([read_units(f) for f in folders], Path(tmp) / "数据")

        def floor():
            with (Path(tmp) / "floor.csv").open("w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                for f in folders:
                    with SeasonRecord(f / "报送记录.sqlite") as record:
                        for rec in record.all():
                            for t, cells in json.loads(rec.figures).items():
                                for ref, v in cells.items():
                                    w.writerow([rec.agency, rec.year, t, ref, v])

        ours_s, floor_s = median_seconds(ours, runs), median_seconds(floor, runs)
        out = Path(tmp) / "数据"
        sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in sorted(out.iterdir()))
        rows = sum(1 for _ in (out / "figures.csv").open(encoding="utf-8")) - 1
        notes.append(f"export of 500 units x 3 years: {rows} rows; {sizes}")
    return [("export 500 units x 3 years (CSV, xlsx, package, overview) vs bare CSV of the records", ours_s, floor_s,
             "a season's office waits < 1 min")], notes


def _published_corpus(folder: Path, count: int, rng: random.Random) -> None:
    """count published reports (html, docx and pdf, as the examples render), each under its own agency,
    with its own share of rewritten sentences: some near-copies of another, most not."""
    import re
    import zipfile

    from nianbao.conversion import convert

    bases = {}
    for example in EXAMPLES:
        conv = convert(example, formats=("docx", "html", "pdf"))
        bases[example.stem] = conv.outputs
    words = ("规范公开目录 优化办理流程 加强政策解读 回应社会关切 推进标准建设 完善监督考核 健全台账管理 拓展公开渠道 "
             "整理村务公开栏 核对公开属性 组织业务培训 检查网站专栏 归档信息台账 征求群众意见 公开惠民资金 公示救助名单 "
             "更新办事指南 简化申请材料 规范答复文书 督促限期整改 开展专项检查 通报典型问题 完善考核细则 落实责任分工").split()

    def vary(text: str, i: int) -> str:
        # every sentence of the body gets words of its own, so that reports differ as real ones do
        pick = random.Random(i)
        return re.sub(r"。", lambda m: f"，{pick.choice(words)}{pick.choice(words)}共{pick.randrange(2, 400)}次。", text)

    for i in range(count):
        copy = i % 25 == 1  # one in 25 is another unit's text under its own name
        n = i - 1 if copy else i
        stem = EXAMPLES[n % 2].stem
        agency = f"青山县第{i:04d}号单位"
        old = "大庄乡人民政府" if "大庄乡" in stem else "平潭综合实验区"
        kind = (".html", ".html", ".html", ".docx", ".pdf")[i % 5]
        if kind == ".pdf" and ".pdf" not in bases[stem]:
            kind = ".html"
        data = bases[stem][kind]
        if kind == ".html":
            out = vary(data.decode("utf-8"), n).replace(old, agency).encode("utf-8")
        elif kind == ".docx":
            buf = io.BytesIO()
            with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
                for info in zin.infolist():
                    part = zin.read(info.filename)
                    if info.filename == "word/document.xml":
                        part = vary(part.decode("utf-8"), n).replace(old, agency).encode("utf-8")
                    zout.writestr(info, part)
            out = buf.getvalue()
        else:
            out = data  # a PDF as rendered: the same text as its example (copies the audit will name)
        (folder / f"{i % 7}" / f"{i:04d}{kind}").parent.mkdir(parents=True, exist_ok=True)
        (folder / f"{i % 7}" / f"{i:04d}{kind}").write_bytes(out)


def bench_audit(count: int, rng: random.Random) -> tuple[list[tuple[str, float, float, str]], list[str]]:
    """nianbao audit of `count` published reports on 2 jobs, against importing the same files alone on 2
    jobs (no check, no comparison, no scoring); and the cross-report comparison alone at `count` and at
    2,000 reports, to show it grows about linearly (MinHash candidates, not every pair)."""
    from concurrent.futures import ProcessPoolExecutor

    from nianbao.apps.audit import run_audit
    from nianbao.apps.kernel import discover
    from nianbao.audit.cross import cross_check
    from nianbao.audit.reading import Audited
    from nianbao.audit.rubric import load_rubric
    from nianbao.conversion import import_published, warm

    notes = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "reports"
        _published_corpus(folder, count, rng)
        t = time.perf_counter()
        result = run_audit(folder, Path(tmp) / "out", load_rubric(), jobs=2)
        ours = time.perf_counter() - t
        files = [p for _, p in discover(folder, Path(tmp))]
        t = time.perf_counter()
        with ProcessPoolExecutor(max_workers=2, initializer=warm) as pool:
            list(pool.map(import_published, files, chunksize=4))
        base = time.perf_counter() - t
        readable = [s.report for s in result.scored if s.report.readable]
        flagged = sum(any(f.code == "audit-similar-other" for f in r.findings) for r in readable)
        notes.append(f"audit of {count}: {len(readable)} readable, {flagged} flagged as copying another unit "
                     f"(1 in 25 planted, and the PDFs: every PDF is its example's text)")
        rows = [(f"audit {count} published reports, 2 jobs vs importing them alone", ours, base, "(info)")]
        for n in (count, 2000):
            many = []
            vocabulary = "规范公开目录 优化办理流程 加强政策解读 回应社会关切 推进标准建设 完善监督考核 健全台账管理 拓展公开渠道".split()
            for i in range(n):
                src = readable[i % len(readable)]
                k = i - 1 if i % 25 == 1 else i  # one in 25 copies the one before
                paragraphs = [(sec, "".join(f"{part}，{vocabulary[(k + x) % 8]}第{k}项{x}。" for x, part in enumerate(p.split("。"))))
                              for sec, p in src.paragraphs]
                many.append(Audited(f"{i}.html", readable=True, agency=f"第{i}号单位", year=src.year, paragraphs=paragraphs,
                                    figures=src.figures))
            t = time.perf_counter()
            cross_check(many)
            cross_s = time.perf_counter() - t
            rows.append((f"cross-report comparison alone, {n} reports (per report)", cross_s / n, ours / count, "per report < its audit"))
            notes.append(f"cross-report comparison of {n} reports: {cross_s:.1f} s")
    return rows, notes


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--batch", type=int, default=None, help="workbooks in the batch benchmark (default 200)")
    ap.add_argument("--cold", action="store_true", help="only the cold-start row (11 interleaved runs)")
    ap.add_argument("--import", dest="import_", action="store_true", help="only reading published reports")
    ap.add_argument("--season", action="store_true", help="only the collection season (status and an unchanged rerun)")
    ap.add_argument("--export", action="store_true", help="only open data: 500 units x 3 years")
    ap.add_argument("--audit", type=int, nargs="?", const=500, default=None, help="only the audit (default 500 reports)")
    args = ap.parse_args()
    if args.audit:
        rows, notes = bench_audit(args.audit, random.Random(2027))
        print_table(rows, notes)
        return 0
    if args.export:
        rows, notes = bench_export(random.Random(2026), 3 if args.quick else 5)
        print_table(rows, notes)
        return 0
    if args.season:
        rows, notes = bench_season(random.Random(2025), 5 if args.quick else 11)
        print_table(rows, notes)
        return 0
    if args.cold:
        print_table(bench_cold(11), [])
        return 0
    if args.import_:
        print_table(bench_import(5 if args.quick else 11), [])
        return 0
    rng = random.Random(2024)
    runs = 5 if args.quick else 15
    with tempfile.TemporaryDirectory() as tmp:
        generated = []
        for i in range(8):
            p = Path(tmp) / f"g{i}.xlsx"
            p.write_bytes(realistic(i, rng))
            generated.append(p)
        paths = EXAMPLES + generated
        if args.profile:
            profile(paths)
            return 0
        rows = bench_in_process(paths, runs)
    rows += bench_cold(5 if args.quick else 11)
    rows += bench_import(5 if args.quick else 11)
    batch_rows, notes = bench_batch(args.batch or (60 if args.quick else 200), rng)
    rows += batch_rows
    pdf_rows, pdf_notes = bench_pdf(20 if args.quick else 50, rng)
    rows += pdf_rows
    notes += pdf_notes
    season_rows, season_notes = bench_season(rng, 5 if args.quick else 11)
    rows += season_rows
    notes += season_notes
    export_rows, export_notes = bench_export(rng, 3 if args.quick else 5)
    rows += export_rows
    notes += export_notes
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}")
    print()
    print_table(rows, notes)
    return 0


def print_table(rows: list[tuple[str, float, float, str]], notes: list[str]) -> None:
    """The Markdown table the closing notes quote: ours, baseline, their ratio (inverted for speed-ups)."""
    print("| measurement | ours (s) | baseline (s) | ratio | target |")
    print("|---|---:|---:|---:|---|")
    for label, ours, base, target in rows:
        ratio = ours / base if "speed-up" not in target else base / ours
        print(f"| {label} | {ours:.4f} | {base:.4f} | {ratio:.2f}× | {target} |")
    print()
    for note in notes:
        print(f"- {note}")


if __name__ == "__main__":
    sys.exit(main())
