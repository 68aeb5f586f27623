"""Run chapters top to bottom in a fresh Jupyter kernel (nbclient), as a student would after `pip install -e .`.

Unlike nbdev_test this runs every cell, flagged ones included, in a real kernel, with each chapter's `QUICK = True`
setting (heavy cells run a small version and write under work/quick/, never into results/). Outputs are discarded (the
committed notebooks keep theirs).
Run: .venv/bin/python tools/run_notebooks.py [notebooks...]   (default: every notebook, index and chapters 00-08)
"""
import sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient


def main(names):
    nbs = Path(__file__).resolve().parent.parent / "nbs"
    failed = []
    for name in names or sorted(p.name for p in nbs.glob("*.ipynb")):
        t = time.perf_counter(); nb = nbformat.read(nbs / name, as_version=4)
        try:
            NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(nbs)}}).execute()
            print(f"ok      {name} ({time.perf_counter() - t:.0f}s in a fresh kernel)", flush=True)
        except Exception as e:
            failed.append(name); print(f"FAILED  {name}: {str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__}", flush=True)
    if failed: sys.exit(f"{len(failed)} notebook(s) failed to run top to bottom: {', '.join(failed)}")

if __name__ == "__main__": main(sys.argv[1:])
