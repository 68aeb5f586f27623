"""Seal metrics.json files written before lora_book 0.6.0: add the content hash that `read_metrics` checks.

Only for files you trust (the book's committed results were sealed this way once); a file that already carries a hash
is checked, never resealed, so a damaged one is reported, not blessed.
Run: .venv/bin/python tools/seal_metrics.py PATH [PATH ...]   (files, or folders searched for metrics.json)
"""
import json, sys
from pathlib import Path
from lora_book.experiments import CONTENT_HASH, read_metrics, write_metrics

def main(paths):
    files = [f for p in map(Path, paths) for f in ([p] if p.is_file() else sorted(p.rglob("metrics.json")))]
    if not files: sys.exit(f"error: no metrics.json under {' '.join(paths)}")
    sealed = 0
    for f in files:
        record = json.loads(f.read_text(encoding="utf-8"))
        if CONTENT_HASH in record: read_metrics(f); continue   # raises, naming the file, if it is damaged
        write_metrics(record, f); read_metrics(f); sealed += 1
    print(f"sealed {sealed} of {len(files)} metrics.json files; the other {len(files) - sealed} already carried a valid hash")

if __name__ == "__main__":
    if len(sys.argv) < 2: sys.exit(__doc__)
    main(sys.argv[1:])
