"""Run chapters top to bottom in a fresh Jupyter kernel (nbclient), as a student would after `pip install -e .`.

Unlike nbdev_test this runs every cell, flagged ones included, in a real kernel, so it is kept to the chapters that
are fast enough for CI. Outputs are discarded (the committed notebooks keep theirs).
Run: .venv/bin/python tools/run_notebooks.py [notebooks...]   (default: the fast chapters)
"""
import sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient

FAST = ["00_lora_math.ipynb", "01_lora.ipynb", "02_inject.ipynb"]

def main(names):
    nbs = Path(__file__).resolve().parent.parent / "nbs"
    failed = []
    for name in names or FAST:
        t = time.perf_counter(); nb = nbformat.read(nbs / name, as_version=4)
        try:
            NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(nbs)}}).execute()
            print(f"ok      {name} ({time.perf_counter() - t:.0f}s in a fresh kernel)")
        except Exception as e:
            failed.append(name); print(f"FAILED  {name}: {str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__}")
    if failed: sys.exit(f"{len(failed)} notebook(s) failed to run top to bottom: {', '.join(failed)}")

if __name__ == "__main__": main(sys.argv[1:])
