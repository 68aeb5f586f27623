"""How much the peak memory of one `lora_book_predict` run varies: the same command (int8, the book's adapter merged) on
the same file, run several times in fresh processes; each run's own peak RSS (its VmHWM, polled: see bench_predict.run_predict). Appendix C reads the result
next to bench_predict.py's one-run-per-size table. Usage (about 5 minutes on a 2-core CPU with the defaults):

    python benchmarks/bench_predict_repeat.py [--rows 10000] [--runs 3] [--out results/serving/peak_repeats.json]
"""
import argparse, json, os, platform, tempfile, time
from pathlib import Path
import torch
from bench_predict import ADAPTER, ROOT, log, run_predict
from bench_preprocess import build_csv


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=10_000); p.add_argument("--runs", type=int, default=3)
    p.add_argument("--out", default="results/serving/peak_repeats.json")
    args = p.parse_args()
    os.chdir(ROOT)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        f = build_csv(Path(tmp) / f"rows_{args.rows}.csv", args.rows)
        for k in range(args.runs):
            runs.append(run_predict(ADAPTER, f, Path(tmp) / "out.csv", int8=True))
            log(f"run {k + 1}: peak RSS {runs[-1]['peak_rss_mb']:.0f} MiB, {runs[-1]['rows_per_s']:.1f} rows/s")
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} threads",
              "date": time.strftime("%Y-%m-%d"), "rows": args.rows, "int8": True, "runs": runs,
              "peak_rss_mb_min": min(r["peak_rss_mb"] for r in runs), "peak_rss_mb_max": max(r["peak_rss_mb"] for r in runs)}
    out = Path(args.out); out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_name(f".{out.name}.tmp{os.getpid()}"); tmp_out.write_text(json.dumps(result, indent=2)); os.replace(tmp_out, out)
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
