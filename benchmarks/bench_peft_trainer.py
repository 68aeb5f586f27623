"""Training time per epoch: our loop (`fit` with our LoRA) against PEFT + transformers' `Trainer`, the same recipe.

In one process, interleaved (ours, theirs, ours, theirs, ...) after a warm-up round of each: one epoch of chapter 5's LoRA
recipe (rank 8 on query and value, mean pooling, lr 2e-3, batch 16, validation scored at the end of the epoch) on the same
stratified 320 training complaints and 64 validation complaints of the union. Each side builds its model outside the timed
part (the head starts random on both, so no probe is fitted); the timed part is the training call, `fit` or
`Trainer.train` (with its checkpoint per epoch and the reload of the best, as chapter 5e's runs use it). Prints the
seconds per epoch of each and the per-round ratio ours / theirs; writes results/union/peers/speed.json.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_peft_trainer.py [--reps 5] [--n-train 320]
"""
from __future__ import annotations
import argparse, json, os, platform, time, warnings
from pathlib import Path
import torch
import transformers, peft
from transformers import AutoTokenizer
from transformers.utils import logging as hf_logging

from lora_book import data as cfpb
from lora_book.ingest import preprocess
from lora_book.inject import resolve_model_path
from lora_book.train import TrainConfig, fit, tokenize
from lora_book.experiments import ExperimentConfig, build_model, _atomic_json
from lora_book.efficiency import spread, paired_ratio
from lora_book.peers import peft_lora_model, train_with_trainer

hf_logging.set_verbosity_error(); hf_logging.disable_progress_bar(); warnings.filterwarnings("ignore", category=FutureWarning)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reps", type=int, default=5); p.add_argument("--n-train", type=int, default=320)
    p.add_argument("--n-val", type=int, default=64); p.add_argument("--work-dir", default="work/union")
    p.add_argument("--out", default="results/union/peers/speed.json")
    args = p.parse_args()
    data_dir = Path(args.work_dir) / "cfpb"
    preprocess(cfpb.default_data_paths(), data_dir, progress=False)
    train, val, _, label_map = cfpb.load_splits(data_dir)
    train, val = train.iloc[cfpb.training_subset(train.label, args.n_train)], val.iloc[:args.n_val]
    names = [k for k, _ in sorted(label_map.items(), key=lambda kv: kv[1])]
    cfg = ExperimentConfig("lora", epochs=1, head_init="random")
    tok = AutoTokenizer.from_pretrained(resolve_model_path(cfg.model))
    tr, va = tokenize(tok, train.text, cfg.max_length), tokenize(tok, val.text, cfg.max_length)
    tcfg = TrainConfig(epochs=1, batch_size=cfg.batch_size, lr=cfg.lr, max_length=cfg.max_length, seed=cfg.seed)

    def ours():
        model = build_model(cfg, len(names), dict(enumerate(names)))
        t = time.perf_counter(); fit(model, tr, train.label, va, val.label, tcfg, None, pad_id=tok.pad_token_id, progress=False)
        return time.perf_counter() - t

    def theirs():
        model, _ = peft_lora_model(cfg, data_dir, names)
        return train_with_trainer(model, tr, train.label, va, val.label, cfg, tok.pad_token_id)[2]

    times = {"ours": [], "theirs": []}
    for i in range(1 + args.reps):
        for k, fn in (("ours", ours), ("theirs", theirs)):
            dt = fn()
            if i: times[k].append(dt)
            print(f"round {i}{' (warm-up)' if not i else ''}: {k} {dt:.1f} s per epoch", flush=True)
    ratio = paired_ratio(times["ours"], times["theirs"])
    record = {"ours_seconds": spread(times["ours"]), "theirs_seconds": spread(times["theirs"]), "ratio": ratio,
              "rounds": times, "n_train": len(train), "n_val": len(val), "recipe": "chapter 5's LoRA, one epoch, random head",
              "torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__,
              "device": torch.cuda.get_device_name() if torch.cuda.is_available() else f"cpu ({torch.get_num_threads()} threads, {platform.processor() or platform.machine()})",
              "date": time.strftime("%Y-%m-%d")}
    _atomic_json(record, Path(args.out))
    print(f"ours / theirs, seconds per epoch: median {ratio['median']:.3f} (quartiles {ratio['q1']:.3f} to {ratio['q3']:.3f}, {ratio['n']} rounds)")


if __name__ == "__main__":
    main()
