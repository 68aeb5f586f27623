"""ServingBert against transformers' model, side by side in one process: the forward passes of the book's adapter
(merged, float32) over the same batches of test complaints, in interleaved rounds (transformers, ours, transformers,
...) after a warm-up of each; prints the per-round ratio of ServingBert's seconds over transformers' and the largest
probability gap. Writes results/serving/serving_bert_speed.json. Usage (about two minutes on a 2-core CPU):

    python benchmarks/bench_serving_bert.py [--rounds 5] [--batch-size 16] [--out results/serving/serving_bert_speed.json]
"""
import argparse, json, os, platform, statistics, time
from pathlib import Path

import numpy as np
import torch

from bench_predict import ADAPTER, ROOT, log


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=5); p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--data", default="work/cfpb"); p.add_argument("--out", default="results/serving/serving_bert_speed.json")
    args = p.parse_args()
    os.chdir(ROOT)
    from lora_book.data import load_splits
    from lora_book.classifiers import load_classifier
    from lora_book.inject import merge_lora
    from lora_book.serve import load_for_serving
    from lora_book.train import tokenize, make_loader, predict_proba
    data_dir = Path(args.data)
    if not (data_dir / "test.csv").exists():
        from lora_book.ingest import preprocess
        from lora_book.data import default_data_path
        preprocess(default_data_path(), data_dir, progress=False)
    _, _, test, _ = load_splits(data_dir)
    models = {"transformers": load_classifier(ADAPTER), "ServingBert": load_for_serving(ADAPTER)}
    assert type(models["ServingBert"][0]).__name__ == "ServingBert", "load_for_serving fell back to transformers"
    tok, max_length = models["transformers"][1], models["transformers"][3]
    models = {k: merge_lora(v[0]).eval() for k, v in models.items()}
    ids = tokenize(tok, test.text, max_length)
    loader = lambda: make_loader(ids, np.zeros(len(ids), dtype=int), args.batch_size, shuffle=False, pad_id=tok.pad_token_id)

    def timed(name):
        t0 = time.perf_counter()
        probs, _ = predict_proba(models[name], loader())
        return time.perf_counter() - t0, probs

    for name in models: timed(name)  # warm-up
    rounds = []
    for k in range(args.rounds):
        (theirs, p_t), (ours, p_o) = timed("transformers"), timed("ServingBert")
        rounds.append({"transformers_s": theirs, "serving_bert_s": ours, "ratio": ours / theirs,
                       "max_prob_gap": float(np.abs(p_t - p_o).max())})
        log(f"round {k + 1}: transformers {theirs:.2f} s, ServingBert {ours:.2f} s, ratio {ours / theirs:.3f}")
    ratios = [r["ratio"] for r in rounds]
    q1, _, q3 = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else (ratios[0],) * 3
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} threads",
              "date": time.strftime("%Y-%m-%d"), "complaints": len(ids), "batch_size": args.batch_size, "rounds": rounds,
              "ratio": {"median": statistics.median(ratios), "q1": q1, "q3": q3, "n": len(ratios)},
              "max_prob_gap": max(r["max_prob_gap"] for r in rounds)}
    out = Path(args.out); out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_name(f".{out.name}.tmp{os.getpid()}"); tmp_out.write_text(json.dumps(result, indent=2)); os.replace(tmp_out, out)
    log(f"ServingBert / transformers, seconds per pass over {len(ids)} complaints: median {result['ratio']['median']:.3f} "
        f"(quartiles {q1:.3f} to {q3:.3f}); largest probability gap {result['max_prob_gap']:.1e}; wrote {out}")


if __name__ == "__main__":
    main()
