"""How much rank does LoRA need? The sweep behind chapters 06 and 07.

Trains LoRA on MiniLM-L6-H384 for every run in RUNS (ranks 1..64 on query+value with alpha = 2r, the same ranks with
alpha fixed at 16 as Hu et al. do, three target sets at a comparable parameter budget, and a second seed for r=8 and r=64), one run per folder `OUT/<name>/` (metrics.json and,
for the runs chapter 07 needs, the adapter). Runs whose metrics.json exists are skipped, so an interrupted sweep resumes.
Then writes OUT/sweep.csv. If the full fine-tune of chapter 05 exists (results/full/model), it also writes the singular-value
spectra of its weight updates to results/intrinsic/ (chapter 07).

Every run uses the LoRA recipe chapter 05 chose on validation (METHOD_DEFAULTS["lora"]: head, pooling, class weights, lr).
Defaults are the reduced setting used in the book on a 2-core CPU (64 tokens, 2 epochs); the full-size setting is

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/rank_sweep.py --max-length 128 --epochs 3 --out results/rank_full
"""
from __future__ import annotations
import argparse, json, os, shutil, time
import textwrap
from pathlib import Path
import pandas as pd
import torch

from dataclasses import asdict
from lora_book.experiments import ExperimentConfig, run_experiment, METHOD_DEFAULTS, read_metrics, write_metrics
from lora_book.runs import _same_config
from lora_book.data import default_data_path
from lora_book.ingest import preprocess

QV = ("query", "value")
QKVO = ("query", "key", "value", "attention.output.dense")
# 'output.dense' also matches 'attention.output.dense': here that is wanted (all six linear layers of each block);
# the pooler's 'pooler.dense' is matched by none of these suffixes.
ALL = ("query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense")
TARGET_SETS = {"qv": QV, "qkvo": QKVO, "all": ALL}

# name: (r, target set, seed, alpha); alpha None means 2r (scaling alpha/r = 2 at every rank).
# Order = priority (chapter 07 needs the r8/r64 pairs first). With alpha = 2r the first update grows with r (chapter 00);
# the a16 runs fix alpha = 16 as Hu et al. fix alpha, so that alpha/r shrinks as r grows (r8 is both: alpha = 16 = 2*8).
RUNS = {"r8": (8, "qv", 42, None), "r64": (64, "qv", 42, None), "r8_s43": (8, "qv", 43, None), "r64_s43": (64, "qv", 43, None),
        "r1": (1, "qv", 42, None), "qkvo_r4": (4, "qkvo", 42, None), "all_r2": (2, "all", 42, None),
        "r4": (4, "qv", 42, None), "r16": (16, "qv", 42, None), "r2": (2, "qv", 42, None), "r32": (32, "qv", 42, None),
        "r1_a16": (1, "qv", 42, 16), "r2_a16": (2, "qv", 42, 16), "r4_a16": (4, "qv", 42, 16),
        "r16_a16": (16, "qv", 42, 16), "r32_a16": (32, "qv", 42, 16), "r64_a16": (64, "qv", 42, 16),
        "r64_a16_s43": (64, "qv", 43, 16)}
# Chapter 07 compares subspaces of these adapters. r8 has alpha = 16 = 2*8, so (r8, r64_a16_s43) and (r8_s43, r64_a16) are
# alpha = 16 pairs with independent initialisations (different seeds); same seed would share A's first rows.
KEEP_ADAPTERS = ("r8", "r64", "r8_s43", "r64_s43", "r64_a16", "r64_a16_s43")


def log(*a):
    "Print a timestamped line, wrapped at 90 characters (the width of the book's column, where it is shown)."
    print(textwrap.fill(" ".join(map(str, (f"[{time.strftime('%H:%M:%S')}]", *a))), 90, subsequent_indent=" " * 11), flush=True)


def config(name: str, args) -> ExperimentConfig:
    r, targets, seed, alpha = RUNS[name]
    return ExperimentConfig("lora", r=r, alpha=alpha or 2 * r, target_modules=TARGET_SETS[targets], epochs=args.epochs, lr=args.lr,
                            batch_size=args.batch_size, max_length=args.max_length, seed=seed, limit=args.limit)


def run_one(name: str, args, data_dir: Path, out: Path) -> dict:
    "Train run `name` in a staging folder, then move it to OUT/<name>/ (so a half-finished run never looks done)."
    final = out / name
    cfg = config(name, args)
    if (final / "metrics.json").exists():
        if _same_config(final / "metrics.json", cfg): log(f"{name}: done already, skipped"); return read_metrics(final / "metrics.json")
        log(f"{name}: recorded with another configuration (an older recipe); running it again")
    staging = out / f".staging_{name}"  # keeps its checkpoint if interrupted: the run resumes from the last epoch
    t0 = time.perf_counter()
    m = run_experiment(cfg, data_dir, staging, progress=False)
    m["wall_seconds"] = time.perf_counter() - t0
    write_metrics(m, staging / "lora" / "metrics.json")
    if name not in KEEP_ADAPTERS and not args.keep_all_adapters: shutil.rmtree(staging / "lora" / "adapter", ignore_errors=True)
    if final.exists(): shutil.rmtree(final)
    os.replace(staging / "lora", final); shutil.rmtree(staging, ignore_errors=True)
    lo, hi = m["test_f1_weighted_ci95"]
    log(f"{name}: test weighted F1 {m['test_f1_weighted']:.3f} [{lo:.3f}, {hi:.3f}], {m['trainable_params']:,} trainable, "
        f"{m['train_seconds']:.0f}s training")
    return m


def sweep_table(out: Path) -> pd.DataFrame:
    "One row per finished run of OUT/: rank, targets, seed, parameters, test scores with intervals, time."
    rows = []
    for name in RUNS:
        f = out / name / "metrics.json"
        if not f.exists(): continue
        m = read_metrics(f); c = m["config"]
        rows.append({"name": name, "r": c["r"], "alpha": c["alpha"], "targets": RUNS[name][1], "seed": c["seed"],
                     "target_modules": ",".join(c["target_modules"]), "trainable_params": m["trainable_params"],
                     "test_f1_weighted": m["test_f1_weighted"], "f1_lo": m["test_f1_weighted_ci95"][0], "f1_hi": m["test_f1_weighted_ci95"][1],
                     "test_f1_macro": m["test_f1_macro"], "test_accuracy": m["test_accuracy"], "best_epoch": m["best_epoch"],
                     "train_seconds": m["train_seconds"], "max_length": c["max_length"], "epochs": c["epochs"], "lr": c["lr"]})
    return pd.DataFrame(rows)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="results/rank", help="folder for the runs and sweep.csv")
    p.add_argument("--data", default="work/cfpb", help="prepared data (made from the shipped complaints if missing)")
    p.add_argument("--max-length", type=int, default=64); p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--lr", type=float, default=None, help="default: the chosen LoRA recipe's (METHOD_DEFAULTS)"); p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--limit", type=int, default=None, help="smoke runs: only this many training rows")
    p.add_argument("--only", default=None, help="comma-separated run names (default: all, in priority order)")
    p.add_argument("--keep-all-adapters", action="store_true", help="keep every adapter, not only r8/r64 and their seed-43 twins")
    p.add_argument("--full-model", default="results/full/model", help="chapter 05's full fine-tune (for results/intrinsic/)")
    p.add_argument("--intrinsic-out", default="results/intrinsic")
    args = p.parse_args()
    args.lr = args.lr or METHOD_DEFAULTS["lora"]["lr"]
    from transformers.utils import logging as hf_logging
    hf_logging.set_verbosity_error(); hf_logging.disable_progress_bar()
    out, data_dir = Path(args.out), Path(args.data)
    out.mkdir(parents=True, exist_ok=True)
    if Path(args.full_model, "config.json").exists():
        from lora_book.analysis import write_intrinsic
        files = write_intrinsic(args.full_model, args.intrinsic_out); log(f"intrinsic rank of the full fine-tune: {files}")
    else: log(f"no full fine-tune at {args.full_model}; {args.intrinsic_out}/ not written (run lora_book_run_all first)")
    if not (data_dir / "checksums.json").exists(): preprocess(default_data_path(), data_dir, progress=False)
    names = args.only.split(",") if args.only else list(RUNS)
    if unknown := [n for n in names if n not in RUNS]: raise SystemExit(f"unknown run(s) {unknown}; choose from {list(RUNS)}")
    log(f"sweep of {len(names)} runs, {args.max_length} tokens, {args.epochs} epochs, lr {args.lr}, {torch.get_num_threads()} threads")
    t0 = time.perf_counter()
    for n in names: run_one(n, args, data_dir, out)
    table = sweep_table(out); table.to_csv(out / "sweep.csv", index=False)
    (out / "sweep.json").write_text(json.dumps({"last_invocation_seconds": time.perf_counter() - t0, "runs": names,
        "setting": {"max_length": args.max_length, "epochs": args.epochs, "lr": args.lr, "batch_size": args.batch_size,
                    **{k: METHOD_DEFAULTS["lora"][k] for k in ("pooling", "head_init", "class_weighted")}},
        "device": "cuda" if torch.cuda.is_available() else f"cpu ({os.cpu_count()} cores)"}, indent=2))
    log(f"wrote {out / 'sweep.csv'} ({len(table)} runs) in {(time.perf_counter() - t0) / 60:.1f} min")
    print(table[["name", "r", "targets", "seed", "trainable_params", "test_f1_weighted", "f1_lo", "f1_hi"]].to_string(index=False))


if __name__ == "__main__":
    main()
