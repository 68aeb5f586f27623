"""Kill every command at random moments with SIGKILL, then run it again: it must finish with the result of an uninterrupted run.

For each command (`lora_book_preprocess`, `lora_book_train`, `lora_book_run_all`, `lora_book_predict`, in smoke configurations):
1. run it once uninterrupted into a reference folder and time it;
2. until it has been killed KILLS times: start it into the test folder (resuming what the last kill left), wait a random
   moment in [0, reference time), `kill -9` its whole process group (children too), and check that nothing a reader would
   take for a finished result is partial or wrong: every finished file that exists equals the reference's (metrics compared
   without their timings). An attempt that finishes before its kill is checked complete, and the next starts from nothing;
3. run it once more to the end and compare everything with the reference; check that no temporary file is left.
Writes a JSON record (results/faults.json for `make faults`). Exit status 1 if any check fails. Usage:

    python tools/faults.py [--kills 10] [--seed 0] [--only train,predict] [--out results/faults.json]
"""
import argparse, json, os, random, shutil, signal, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TIMING = {"train_seconds", "peak_memory_mb", "probe_seconds", "wall_seconds", "seconds", "epoch_seconds",
          "content_sha256"}  # the hash covers the times too


def without_timings(x):
    "A metrics record without what varies from run to run (times, memory)."
    if isinstance(x, dict): return {k: without_timings(v) for k, v in x.items() if k not in TIMING}
    if isinstance(x, list): return [without_timings(v) for v in x]
    return x


def same_metrics(a: Path, b: Path) -> bool:
    return without_timings(json.loads(a.read_text())) == without_timings(json.loads(b.read_text()))


def finished_files(folder: Path) -> list[Path]:
    "The files a reader would take for results: everything except hidden names (temporaries, partial outputs, locks, caches, checkpoints)."
    return sorted(p for p in folder.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
                  and "checkpoint" not in p.relative_to(folder).parts)


def compare(test: Path, ref: Path, complete: bool) -> list[str]:
    "Problems: a finished file in `test` that differs from the reference (or, if `complete`, any file missing)."
    problems = []
    ref_files = {p.relative_to(ref) for p in finished_files(ref)}
    for p in finished_files(test):
        rel = p.relative_to(test)
        if rel not in ref_files: problems.append(f"{rel}: not in the reference run"); continue
        r = ref / rel
        if p.suffix == ".json" and p.name in ("metrics.json", "run_all.json"):
            try:
                ok = same_metrics(p, r) if p.name == "metrics.json" else json.loads(p.read_text())["methods"] == json.loads(r.read_text())["methods"]
            except (json.JSONDecodeError, UnicodeDecodeError, KeyError) as e: ok = False; problems.append(f"{rel}: unreadable ({type(e).__name__})")
            if not ok: problems.append(f"{rel}: differs from the reference")
        elif p.suffix == ".safetensors":  # the same tensors and metadata (safetensors orders the header's metadata keys differently per process)
            from safetensors import safe_open
            fa, fb = safe_open(str(p), "pt"), safe_open(str(r), "pt")
            import torch
            if fa.metadata() != fb.metadata() or set(fa.keys()) != set(fb.keys()) or \
               not all(torch.equal(fa.get_tensor(k), fb.get_tensor(k)) for k in fa.keys()): problems.append(f"{rel}: differs from the reference")
        elif p.suffix == ".png": continue  # figures: drawn from the compared metrics (timings appear in them)
        elif p.name == "summary.csv":  # without its timings and memory
            import pandas as pd
            try: a, b = (pd.read_csv(x).drop(columns=["train_seconds", "peak_memory_mb"]) for x in (p, r)); ok = a.equals(b)
            except Exception as e: ok = False; problems.append(f"{rel}: unreadable ({type(e).__name__})")
            if not ok: problems.append(f"{rel}: differs from the reference")
        elif p.read_bytes() != r.read_bytes(): problems.append(f"{rel}: differs from the reference")
    if complete: problems += [f"{rel}: missing" for rel in sorted(ref_files - {p.relative_to(test) for p in finished_files(test)})]
    return problems


def leftovers(folder: Path) -> list[str]:
    "Temporaries a finished run must not leave (locks may stay: they hold no lock once their process is gone)."
    bad = [p for p in folder.rglob("*") if ".tmp" in p.name or p.name.endswith((".partial", ".partial.json"))]
    return [str(p.relative_to(folder)) for p in bad]


def cases(work: Path) -> dict:
    "name: (command writing into OUT, what OUT is) for each CLI, in smoke configurations."
    data = work / "data"
    subprocess.run([BIN / "lora_book_preprocess", "--output-dir", data, "--quiet"], check=True, capture_output=True)
    some = work / "some.csv"
    import pandas as pd
    pd.read_csv(ROOT / "data" / "cfpb_complaints.csv.gz", nrows=300).to_csv(some, index=False)
    smoke = ["--limit", "48", "--epochs", "2", "--max-length", "32", "--quiet"]
    return {
        "preprocess": lambda out: [BIN / "lora_book_preprocess", "--output-dir", out / "cfpb", "--quiet"],
        "train": lambda out: [BIN / "lora_book_train", "--method", "lora", "--data", data, "--output-dir", out] + smoke,
        "run_all": lambda out: [BIN / "lora_book_run_all", "--output-dir", out / "results", "--work-dir", out / "work",
                                "--limit", "48", "--epochs", "1", "--max-length", "32", "--quiet"],
        "predict": lambda out: [BIN / "lora_book_predict", "--model", ROOT / "results" / "lora" / "adapter", "--input", some,
                                "--output", out / "labels.csv", "--chunk-rows", "25", "--quiet"],
    }


def run(cmd, timeout=1800) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout)
    return time.perf_counter() - t0, r


def kill_at(cmd, after: float) -> str:
    "Start `cmd` in its own process group, SIGKILL the group `after` seconds later (or note that it finished first)."
    p = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try: p.wait(after); return "finished before the kill"
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL); p.wait(); return "killed"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=10); ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", default=None, help="comma-separated: preprocess, train, run_all, predict")
    ap.add_argument("--out", default="work/faults.json")
    ap.add_argument("--merge", action="store_true", help="keep the other commands' records already in --out (with --only)")
    args = ap.parse_args()
    os.chdir(ROOT)
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="lora_book_faults_"))
    record, failed = {"kills_per_command": args.kills, "seed": args.seed, "machine": f"{os.cpu_count()} cores", "commands": {}}, False
    try:
        all_cases = cases(work)
        names = args.only.split(",") if args.only else list(all_cases)
        for name in names:
            cmd = all_cases[name]
            ref, test = work / f"{name}_reference", work / f"{name}_killed"
            t_ref, r = run(cmd(ref))
            if r.returncode: raise SystemExit(f"{name}: the uninterrupted run failed:\n{r.stderr[-2000:]}")
            kills, problems, killed = [], [], 0
            while killed < args.kills and len(kills) < 4 * args.kills:
                at = rng.uniform(0, t_ref)
                outcome = kill_at(cmd(test), at)
                found = compare(test, ref, complete=outcome != "killed")
                kills.append({"at_seconds": round(at, 2), "outcome": outcome, "problems": found})
                problems += [f"attempt {len(kills)} at {at:.1f}s: {p}" for p in found]
                killed += outcome == "killed"
                print(f"[{time.strftime('%H:%M:%S')}] {name}: attempt {len(kills)} (kills {killed}/{args.kills}) at {at:.1f}s of {t_ref:.1f}s: "
                      f"{outcome}{'; PROBLEMS: ' + '; '.join(found) if found else ''}", flush=True)
                # a resumed run that finished before its kill was checked complete above; start the next cycle from nothing,
                # so that every kill lands in a run (a resumed run_all skips finished methods and would outrun every kill)
                if outcome != "killed": shutil.rmtree(test, ignore_errors=True)
            t_final, r = run(cmd(test))
            final = compare(test, ref, complete=True) if r.returncode == 0 else [f"the final run failed: {r.stderr.strip()[-500:]}"]
            final += [f"left behind: {p}" for p in leftovers(test)]
            problems += [f"final run: {p}" for p in final]
            record["commands"][name] = {"reference_seconds": round(t_ref, 1), "final_run_seconds": round(t_final, 1),
                                        "kills": kills, "killed": killed,
                                        "final_equals_uninterrupted": not final, "problems": problems}
            failed |= bool(problems)
            print(f"[{time.strftime('%H:%M:%S')}] {name}: {'OK' if not problems else 'FAILED'}; final run {t_final:.1f}s "
                  f"(uninterrupted {t_ref:.1f}s){'; ' + '; '.join(problems) if problems else ''}", flush=True)
    finally: shutil.rmtree(work, ignore_errors=True)
    out = Path(args.out); out.parent.mkdir(parents=True, exist_ok=True)
    if args.merge and out.exists():
        old = json.loads(out.read_text())
        if (old["kills_per_command"], old["seed"]) != (args.kills, args.seed): raise SystemExit(f"{out} was made with other --kills/--seed")
        record["commands"] = {**old["commands"], **record["commands"]}
    tmp = out.with_name(f".{out.name}.tmp{os.getpid()}"); tmp.write_text(json.dumps(record, indent=2)); os.replace(tmp, out)
    print(f"wrote {out}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
