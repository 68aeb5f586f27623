"""Benchmark `lora_book.ingest.preprocess` on large inputs in the CFPB export format.

Builds files by repeating the shipped complaints (all 18 columns, verbatim) to 100,000 and 1,000,000 rows,
runs `preprocess` on each in a fresh subprocess, and reports rows/s and the child's peak RSS (ru_maxrss).
The files live in a temporary folder that is deleted at the end. Usage:

    python benchmarks/bench_preprocess.py [--sizes 100000 1000000] [--out results/bench_preprocess.json] [--tmp DIR]
"""
import argparse, json, os, platform, shutil, subprocess, sys, tempfile, time, zipfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / 'data' / 'cfpb_complaints.csv.gz'

CHILD = r'''
import json, sys, time
t0 = time.perf_counter()
from lora_book.ingest import preprocess
t1 = time.perf_counter()
stats = preprocess(sys.argv[1], sys.argv[2], progress=False)
t2 = time.perf_counter()
json.dump(dict(import_s=t1 - t0, preprocess_s=t2 - t1, rows_read=stats['steps'][0]['rows'],
               rows_kept=stats['steps'][-1]['rows'], split_sizes=stats['split_sizes']), open(sys.argv[3], 'w'))
'''


def build_csv(path: Path, n_rows: int) -> Path:
    "Write `n_rows` rows by repeating the shipped rows (all columns, verbatim), streaming: memory stays small."
    df = pd.read_csv(SHIPPED, dtype=str, keep_default_na=False)
    header = df.head(0).to_csv(index=False)
    lines = df.to_csv(index=False, header=False, lineterminator='\n').encode('utf-8')
    with open(path, 'wb') as f:
        f.write(header.encode('utf-8'))
        full, rest = divmod(n_rows, len(df))
        for _ in range(full): f.write(lines)
        f.write(df.head(rest).to_csv(index=False, header=False, lineterminator='\n').encode('utf-8'))
    return path


def build_zip(csv_path: Path, zip_path: Path) -> Path:
    "Zip one CSV the way the CFPB serves `complaints.csv.zip`."
    with zipfile.ZipFile(zip_path, 'w', zipfile.ZIP_DEFLATED) as zf: zf.write(csv_path, 'complaints.csv')
    return zip_path


def run_child(input_path: Path, out_dir: Path, result: Path) -> dict:
    "Run `preprocess` in a fresh interpreter; return its timings and its own peak RSS (os.wait4 gives that child's rusage)."
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, '-c', CHILD, str(input_path), str(out_dir), str(result)], cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode: raise SystemExit(f'child failed on {input_path} (exit {proc.returncode})')
    info = json.loads(result.read_text())
    # ru_maxrss is in KiB on Linux, bytes on macOS
    rss = usage.ru_maxrss * (1 if sys.platform == 'darwin' else 1024)
    return dict(info, wall_s=wall, peak_rss_mb=rss / 2**20)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--sizes', type=int, nargs='+', default=[100_000, 1_000_000])
    ap.add_argument('--out', default=str(ROOT / 'results' / 'bench_preprocess.json'))
    ap.add_argument('--tmp', default=None, help='folder for the temporary files (default: system temp)')
    ap.add_argument('--no-zip', action='store_true', help='skip the .zip of the smallest size')
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix='bench_preprocess_', dir=args.tmp))
    runs = []
    try:
        inputs = [('shipped .csv.gz', SHIPPED, 3423)]
        for n in args.sizes:
            t = time.perf_counter()
            p = build_csv(tmp / f'complaints_{n}.csv', n)
            print(f'built {p.name}: {p.stat().st_size / 1e6:,.0f} MB in {time.perf_counter() - t:.0f}s', flush=True)
            inputs.append((f'{n:,} rows .csv', p, n))
            if n == min(args.sizes) and not args.no_zip:
                z = build_zip(p, tmp / f'complaints_{n}.csv.zip')
                inputs.append((f'{n:,} rows .zip', z, n))
        for name, path, n in inputs:
            out = tmp / 'out'
            r = run_child(path, out, tmp / 'child.json')
            shutil.rmtree(out, ignore_errors=True)
            assert r['rows_read'] == n, (r['rows_read'], n)
            run = dict(name=name, rows=n, file_mb=round(path.stat().st_size / 1e6, 1), seconds=round(r['preprocess_s'], 1),
                       rows_per_s=round(n / r['preprocess_s']), peak_rss_mb=round(r['peak_rss_mb'], 1),
                       import_s=round(r['import_s'], 1), rows_kept=r['rows_kept'])
            runs.append(run)
            print(json.dumps(run), flush=True)
            if path != SHIPPED and path.suffix == '.csv' and n == max(args.sizes): path.unlink()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    by = {r['name']: r for r in runs}
    small, large = by.get('100,000 rows .csv'), by.get('1,000,000 rows .csv')
    ratio = large['peak_rss_mb'] / small['peak_rss_mb'] if small and large else None
    res = dict(machine=f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, pandas {pd.__version__}",
               date=time.strftime('%Y-%m-%d'),
               note='inputs repeat the 3,423 shipped rows (all 18 columns, verbatim); seconds = preprocess() call only; peak RSS of the child process (ru_maxrss)',
               runs=runs, peak_rss_ratio_1m_over_100k=None if ratio is None else round(ratio, 3))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=1) + '\n')
    print(f"\n{'input':<22}{'rows':>11}{'MB':>8}{'s':>8}{'rows/s':>10}{'peak RSS MB':>13}")
    for r in runs: print(f"{r['name']:<22}{r['rows']:>11,}{r['file_mb']:>8,.0f}{r['seconds']:>8.1f}{r['rows_per_s']:>10,}{r['peak_rss_mb']:>13,.0f}")
    if ratio is not None: print(f'peak RSS ratio 1M / 100k: {ratio:.2f}')
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
