"""Serving at scale: `lora_book_predict` with the committed LoRA adapter (merged) on files made by repeating the shipped complaints.

Measures, each `lora_book_predict` in a fresh process (wall time, the child's own peak RSS: its VmHWM, polled):
1. throughput, float32 against dynamic int8, in interleaved rounds on a SPEED-row file (paired ratio per round);
2. memory against input size: float32 and int8 on files of each of SIZES rows (peak RSS should not grow with the input);
3. what int8 costs: test weighted F1 of the merged adapter in float32 and in int8 on the 479 test complaints, and how many
   test labels change (in-process, no files).
Writes results/serving/bench.json. Usage (about 25 minutes on a 2-core CPU with the defaults):

    python benchmarks/bench_predict.py [--speed-rows 2000] [--rounds 2] [--sizes 10000 100000] [--out results/serving/bench.json]
"""
import argparse, json, os, platform, statistics, subprocess, sys, tempfile, time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from bench_preprocess import build_csv  # same folder: the CFPB-format file builder of the preprocessing benchmark

ROOT = Path(__file__).resolve().parent.parent
ADAPTER = ROOT / "results" / "lora" / "adapter"


def log(*a): print(f"[{time.strftime('%H:%M:%S')}]", *a, flush=True)


def _own_peak_mib(pid: int) -> float | None:
    "A running process's own peak resident set size (VmHWM, Linux /proc), or None once it has exited."
    try: status = Path(f"/proc/{pid}/status").read_text()
    except OSError: return None
    return int(status.split("VmHWM:")[1].split()[0]) / 1024 if "VmHWM:" in status else None


def run_predict(model: Path, inp: Path, out: Path, int8: bool) -> dict:
    """One `lora_book_predict` in a fresh process: rows, wall seconds, rows/s and the child's own peak RSS.

    The peak is the child's VmHWM, polled every 20 ms until it exits (the high-water mark only grows). Not the
    `ru_maxrss` of `os.wait4`: Linux carries a forked child's high-water mark across `exec`, so that figure is at
    least the parent's size at the fork, and this parent holds a model (`int8_cost`)."""
    cmd = [str(Path(sys.executable).parent / "lora_book_predict"), "--model", str(model), "--input", str(inp), "--output", str(out), "--quiet"]
    t0, peak = time.perf_counter(), 0.0
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd + (["--int8"] if int8 else []), stdout=subprocess.DEVNULL, stderr=err, text=True)
        while proc.poll() is None:
            if (p := _own_peak_mib(proc.pid)) is not None: peak = max(peak, p)
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        err.seek(0); stderr = err.read()
    if proc.returncode: raise SystemExit(f"lora_book_predict failed on {inp}:\n{stderr[-2000:]}")
    rows = len(pd.read_csv(out, usecols=["Complaint ID"]))
    return {"rows": rows, "wall_s": wall, "rows_per_s": rows / wall, "peak_rss_mb": peak, "int8": int8}


def int8_cost(data_dir: Path) -> dict:
    "Test weighted F1 of the merged adapter in float32 and int8 on the test split, and the share of labels that change."
    from sklearn.metrics import f1_score
    from lora_book.data import load_splits
    from lora_book.classifiers import load_classifier
    from lora_book.inject import merge_lora
    from lora_book.serve import quantize_int8
    from lora_book.train import tokenize, make_loader, predict_proba
    _, _, test, label_map = load_splits(data_dir)
    out = {}
    for name in ("float32", "int8"):
        model, tok, names, max_length = load_classifier(ADAPTER)
        model = merge_lora(model)
        if name == "int8": model = quantize_int8(model)
        ids = tokenize(tok, test.text, max_length)
        t0 = time.perf_counter()
        probs, _ = predict_proba(model, make_loader(ids, np.zeros(len(ids), dtype=int), 64, shuffle=False, pad_id=tok.pad_token_id))
        pred = np.array([label_map[names[i]] for i in probs.argmax(1)])
        out[name] = {"pred": pred, "seconds": time.perf_counter() - t0,
                     "f1_weighted": float(f1_score(test.label, pred, average="weighted")), "f1_macro": float(f1_score(test.label, pred, average="macro"))}
    recorded = json.loads((ROOT / "results" / "lora" / "metrics.json").read_text())
    return {"n_test": len(test), "float32": {k: v for k, v in out["float32"].items() if k != "pred"},
            "int8": {k: v for k, v in out["int8"].items() if k != "pred"},
            "labels_changed": int((out["float32"]["pred"] != out["int8"]["pred"]).sum()),
            "recorded_test_f1_weighted": recorded["test_f1_weighted"]}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--speed-rows", type=int, default=2000); p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--data", default="work/cfpb", help="prepared data (for the test split; made from the shipped complaints if missing)")
    p.add_argument("--out", default="results/serving/bench.json")
    args = p.parse_args()
    os.chdir(ROOT)
    if not (ADAPTER / "adapter_config.json").exists(): raise SystemExit(f"no adapter at {ADAPTER}; run `make run` first.")
    data_dir = Path(args.data)
    if not (data_dir / "test.csv").exists():
        from lora_book.ingest import preprocess
        from lora_book.data import default_data_path
        preprocess(default_data_path(), data_dir, progress=False)
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} threads",
              "device": "cpu", "model": "results/lora/adapter (merged into MiniLM-L6-H384)", "max_length": 128}
    log("int8 against float32 on the test split")
    result["int8_cost"] = int8_cost(data_dir)
    log(result["int8_cost"])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        speed_file = build_csv(tmp / f"speed_{args.speed_rows}.csv", args.speed_rows)
        rounds = []
        for k in range(args.rounds):  # interleaved, so that both settings share the machine's state of the moment
            r = {name: run_predict(ADAPTER, speed_file, tmp / f"speed_{name}.csv", name == "int8") for name in ("float32", "int8")}
            r["int8_speedup"] = r["int8"]["rows_per_s"] / r["float32"]["rows_per_s"]
            rounds.append(r); log(f"round {k + 1}: float32 {r['float32']['rows_per_s']:.1f} rows/s, int8 {r['int8']['rows_per_s']:.1f} rows/s")
        result["speed"] = {"rows": args.speed_rows, "rounds": rounds,
                           "float32_rows_per_s": statistics.median(r["float32"]["rows_per_s"] for r in rounds),
                           "int8_rows_per_s": statistics.median(r["int8"]["rows_per_s"] for r in rounds),
                           "int8_speedup": statistics.median(r["int8_speedup"] for r in rounds)}
        result["memory"] = []
        for n in args.sizes:
            f = build_csv(tmp / f"rows_{n}.csv", n)
            for int8 in (False, True):  # the default (float32) and int8, on the same file
                m = run_predict(ADAPTER, f, tmp / f"out_{n}.csv", int8=int8)
                m["file_mb"] = f.stat().st_size / 2**20
                result["memory"].append(m)
                log(f"{n:,} rows, {'int8' if int8 else 'float32'}: {m['rows_per_s']:.1f} rows/s, peak RSS {m['peak_rss_mb']:.0f} MiB")
            f.unlink()
        result["peak_rss_ratio_largest_over_smallest"] = {}  # per setting: the peak at the largest file over the smallest
        for name in ("float32", "int8"):
            peaks = [m["peak_rss_mb"] for m in result["memory"] if m["int8"] == (name == "int8")]
            result["peak_rss_ratio_largest_over_smallest"][name] = peaks[-1] / peaks[0]
    out = Path(args.out); out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_name(f".{out.name}.tmp{os.getpid()}"); tmp_out.write_text(json.dumps(result, indent=2)); os.replace(tmp_out, out)
    log(f"wrote {out}")
    print(json.dumps({k: result[k] for k in ("speed", "peak_rss_ratio_largest_over_smallest")}, indent=2, default=str)[:2000])


if __name__ == "__main__":
    main()
