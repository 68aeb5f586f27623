"""Write README.md from nbs/index.ipynb (nbdev_readme needs Quarto, which these machines lack).

Markdown cells are copied; visible code cells become ```python blocks (nbdev directives removed); `#| hide` cells are
left out; an `#| echo: false` cell tagged `# headline-table` becomes a Markdown table (the cell's code, run from nbs/); an
`#| echo: false` cell that draws a figure becomes a link to the matching PNG under results/.
Run: .venv/bin/python tools/make_readme.py   (tools/check_docs.py checks that README.md is in step)
"""
import json, os, re
from pathlib import Path
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
FIGURES = {"plot_f1_vs_params": "f1_vs_params.png"}  # the PNG the results folder holds (the one the cell reads: summarize("../results/..."))

def readme_links(text: str) -> str:
    "Links between notebooks are relative to nbs/ on the website; README.md sits at the repository root."
    return re.sub(r"\]\((?!https?:|/|#|nbs/)([\w.-]+\.ipynb)", r"](nbs/\1", text)

def directives(src: str) -> dict:
    return dict((m.group(1), m.group(2).strip()) for m in re.finditer(r"^#\|\s*([\w-]+):?\s*(.*)$", src, re.M))

def _display(col: pd.Series) -> pd.Series:
    "Floats with as many decimals as the column needs, as pandas displays them (-0.01 beside 0.007 reads -0.010)."
    if col.dtype.kind != "f": return col
    places = max((len(repr(float(v)).split(".")[1]) for v in col.dropna() if "e" not in repr(float(v))), default=0)
    return col.map(lambda v: "" if pd.isna(v) else f"{v:.{min(places, 6)}f}")

def table_markdown(df: pd.DataFrame) -> str:
    df = df.reset_index(); df = df.apply(_display)
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    rows = ["| " + " | ".join("" if pd.isna(v) else str(v) for v in r) + " |" for r in df.itertuples(index=False)]
    return "\n".join([head, rule, *rows])

NAMESPACE = {}  # shared by the headline cells, as a notebook's kernel is

def run_cell(body: str):
    "Run a notebook cell's code from nbs/ (its paths are relative to it) and return the value of its last line."
    lines = [l for l in body.strip().splitlines() if not l.lstrip().startswith("#")]
    ns, cwd = NAMESPACE, os.getcwd()
    try:
        os.chdir(ROOT / "nbs"); exec("\n".join(lines[:-1]), ns); return eval(lines[-1], ns)
    finally: os.chdir(cwd)

def main():
    nb = json.loads((ROOT / "nbs" / "index.ipynb").read_text())
    parts = []
    for c in nb["cells"]:
        src = "".join(c["source"])
        if c["cell_type"] == "markdown": parts.append(readme_links(src)); continue
        d = directives(src)
        if "hide" in d: continue
        body = "\n".join(l for l in src.splitlines() if not l.startswith("#|"))
        if d.get("echo") == "false":
            if re.search(r"^\s*#\s*headline-table\b", src, re.M):
                parts.append(table_markdown(run_cell(body)))  # the same code the notebook cell runs
            folder = (m.group(1) if (m := re.search(r'summarize\("\.\./([^"]+)"\)', src)) else "results").rstrip("/")
            for fn, png in FIGURES.items():
                if fn in src: parts.append(f"![{d.get('fig-cap', '').strip(chr(34))}]({folder}/{png})")
            continue
        parts.append("```python\n" + body.strip() + "\n```")
    (ROOT / "README.md").write_text("\n\n".join(parts) + "\n")

if __name__ == "__main__": main()
