"""Serving many tasks from one base: swapping a LoRA adapter in place against loading a fully fine-tuned model.

In one process, interleaved (A B C A B C ...): (swap) `load_adapter` of the other adapter into a model that already
serves one (the same model object, its A, B, head and settings replaced); (adapter from disk) a fresh base model plus the
adapter, as `lora_book_predict` loads it; (full model) the fully fine-tuned model of chapter 5 from its folder. Files are
read from the page cache after the first round, so the timings are the cost of building and filling the model, not of the
disk. Every swap is checked: its logits equal a freshly loaded copy of the same adapter. Writes results/efficiency/swap.json.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_swap.py [--reps 15]

results/full/model is written by `make run` and not kept by git. On a fresh clone, `--stand-in DIR` writes the bundled
MiniLM with an untrained 9-class head (the same size and loading cost, not the same weights) to DIR and times that
instead; the results file says so (the chapter's QUICK run does this, into work/quick/).
"""
from __future__ import annotations
import argparse, json, os, platform, time
from pathlib import Path
import torch

from lora_book.classifiers import load_classifier
from lora_book.inject import load_adapter
from lora_book.efficiency import interleaved_times, spread, paired_ratio
from transformers.utils import logging as hf_logging
hf_logging.set_verbosity_error(); hf_logging.disable_progress_bar()

ADAPTERS = ("results/lora/adapter", "results/rank/r8_s43/adapter")  # the main LoRA run and a rank-sweep run: the same shapes (r=8, q+v)
FULL = "results/full/model"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reps", type=int, default=15); p.add_argument("--out", default="results/efficiency/swap.json")
    p.add_argument("--stand-in", default=None, help="if results/full/model is missing, time a same-size stand-in written here")
    args = p.parse_args()
    full = FULL
    if not Path(FULL, "config.json").exists() and args.stand_in:
        from transformers import AutoTokenizer
        from lora_book.classifiers import BertMeanPoolClassifier
        from lora_book.inject import resolve_model_path
        import json as _json
        classes = _json.loads(Path(ADAPTERS[0], "lora_book.json").read_text())["classes"]
        m = BertMeanPoolClassifier.from_pretrained(resolve_model_path(), num_labels=len(classes),
                                                   id2label=dict(enumerate(classes)), label2id={c: i for i, c in enumerate(classes)})
        m.save_pretrained(args.stand_in); AutoTokenizer.from_pretrained(resolve_model_path()).save_pretrained(args.stand_in)
        full = args.stand_in
        print(f"{FULL} is missing: timing a stand-in of the same size\n(untrained head) in {full}")
    for f in (*ADAPTERS, full):
        if not Path(f).is_dir(): raise SystemExit(f"{f} is missing: run `make run` and benchmarks/rank_sweep.py first (they write it), "
                                                  "or pass --stand-in DIR.")
    served, tok, _, _ = load_classifier(ADAPTERS[0])
    batch = tok(["I was charged a late fee on my credit card although I paid on time."] * 4, return_tensors="pt", padding=True)
    with torch.no_grad(): reference = {a: load_classifier(a)[0](**batch).logits for a in ADAPTERS}
    state = {"i": 0}
    def swap():
        state["i"] ^= 1
        load_adapter(served, ADAPTERS[state["i"]])
    def checked_swap():
        swap()
        with torch.no_grad(): assert torch.equal(served.eval()(**batch).logits, reference[ADAPTERS[state["i"]]]), "a swap changed the logits"
    for _ in range(4): checked_swap()  # both directions, twice
    times = interleaved_times({"swap": swap, "adapter_from_disk": lambda: load_classifier(ADAPTERS[1]),
                               "full_model": lambda: load_classifier(full)}, args.reps, warmup=2)
    checked_swap()
    res = {"what": "seconds to make a model serve another task", "reps": args.reps, "times": times,
           "summary": {k: spread(v) for k, v in times.items()},
           "ratios": {"full_model/swap": paired_ratio(times["full_model"], times["swap"]),
                      "adapter_from_disk/swap": paired_ratio(times["adapter_from_disk"], times["swap"]),
                      "full_model/adapter_from_disk": paired_ratio(times["full_model"], times["adapter_from_disk"])},
           "bytes": {"adapter": (Path(ADAPTERS[1]) / "adapter_model.safetensors").stat().st_size,
                     "full_model": (Path(full) / "model.safetensors").stat().st_size},
           "full_model_source": "results/full/model" if full == FULL else "stand-in: the bundled MiniLM with an untrained head",
           "swaps_checked": 5, "device": f"cpu ({os.cpu_count()} cores)", "torch": torch.__version__, "python": platform.python_version()}
    out = Path(args.out); out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp"); tmp.write_text(json.dumps(res, indent=2)); os.replace(tmp, out)
    for k, s in res["summary"].items(): print(f"{k:>18}: median {s['median'] * 1e3:7.1f} ms  [{s['q1'] * 1e3:.1f}, {s['q3'] * 1e3:.1f}]")
    for k, s in res["ratios"].items(): print(f"{k:>28}: {s['median']:.1f}x  [{s['q1']:.1f}, {s['q3']:.1f}]")


if __name__ == "__main__":
    main()
