"""Where `predict`'s memory goes: one `predict` (int8 or float32, the book's adapter merged) in this process, its resident
set size sampled every 2 ms by a thread and attributed to the stage running at the moment (importing the libraries,
loading the model, merging, quantising, reading a chunk of the export, tokenising it, the forward passes, the rest of
the loop). Appendix C reads the result. Usage (about a minute on a 2-core CPU with the defaults):

    python benchmarks/bench_predict_stages.py [--rows 2000] [--float32] [--out results/serving/stages.json]

Run it as a fresh process: the import stage is measured from the interpreter's start.
"""
import argparse, json, os, platform, shutil, subprocess, sys, tempfile, threading, time
from pathlib import Path

def rss_mib() -> float:
    "This process's resident set size now (Linux /proc)."
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) / 1024

stage, peaks = ["start"], {}
def sample():
    while True:
        r, s = rss_mib(), stage[0]
        peaks[s] = max(peaks.get(s, 0.0), r); time.sleep(0.002)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=2000); p.add_argument("--float32", action="store_true")
    p.add_argument("--out", default="results/serving/stages.json")
    args = p.parse_args()
    tmp = tempfile.mkdtemp()
    f = Path(tmp) / "in.csv"  # built by another process: the builder's pandas would count as this one's memory
    here = Path(__file__).resolve().parent
    subprocess.run([sys.executable, "-c", f"from bench_preprocess import build_csv; build_csv({str(f)!r}, {args.rows})"],
                   cwd=here, check=True)
    start = rss_mib()
    threading.Thread(target=sample, daemon=True).start()
    stage[0] = "import"  # what lora_book_predict imports, nothing more
    import torch
    import lora_book.serve as S
    after_import = rss_mib()
    ROOT, ADAPTER = here.parent, here.parent / "results" / "lora" / "adapter"  # bench_predict's, without its pandas
    log = lambda *a: print(f"[{time.strftime('%H:%M:%S')}]", *a, flush=True)
    def during(name, fn):
        def run(*a, **k):
            before = stage[0]; stage[0] = name
            try: return fn(*a, **k)
            finally: stage[0] = before
        return run
    for name in ("load_for_serving", "merge_lora", "quantize_int8", "tokenize", "predict_proba"):
        setattr(S, name, during(name, getattr(S, name)))
    chunks = S.iter_narratives
    def reading(*a, **k):   # the time spent inside the chunk reader is "read"; the time between chunks, "loop"
        it = chunks(*a, **k)
        while True:
            stage[0] = "read"
            try: chunk = next(it)
            except StopIteration: stage[0] = "loop"; return
            stage[0] = "loop"; yield chunk
    S.iter_narratives = reading
    try:
        stage[0] = "predict (other)"
        S.predict(ADAPTER, f, Path(tmp) / "out.csv", progress=False, int8=not args.float32)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    time.sleep(0.05)
    order = ["import", "load_for_serving", "merge_lora", "quantize_int8", "read", "tokenize", "predict_proba", "loop", "predict (other)"]
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} threads",
              "date": time.strftime("%Y-%m-%d"), "rows": args.rows, "int8": not args.float32, "interpreter_mib": start,
              "after_import_mib": after_import, "stage_peak_mib": {k: peaks[k] for k in order if k in peaks},
              "peak_mib": max(v for k, v in peaks.items() if not k.startswith("building"))}
    out = ROOT / args.out; out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_name(f".{out.name}.tmp{os.getpid()}"); tmp_out.write_text(json.dumps(result, indent=2)); os.replace(tmp_out, out)
    log(f"peak {result['peak_mib']:.0f} MiB; after imports {after_import:.0f} MiB; wrote {out}")
    print(json.dumps(result["stage_peak_mib"], indent=1))

if __name__ == "__main__":
    main()
