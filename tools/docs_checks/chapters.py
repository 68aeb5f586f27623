"""Checks 7 and 8: the sidebar, each chapter's parts (summary, exercises, stored figures, a picture up front), and Markdown that renders wrongly."""
from __future__ import annotations
import re
from docs_checks.common import cell_where, load_nb, problem, rel, src
from docs_checks.pages import source_pages

def check_sidebar(cfg):
    "Check 7a: the sidebar (kept by hand: `custom_sidebar = True`, for its Appendices section) lists every notebook once."
    text = (cfg.nbs_path / "sidebar.yml").read_text()
    listed = re.findall(r"^\s*-\s+([\w.-]+\.ipynb)\s*$", text, re.M)
    for nb in sorted(p.name for p in cfg.nbs_path.glob("*.ipynb")):
        if listed.count(nb) != 1: problem("sidebar", "nbs/sidebar.yml", f"{nb} is listed {listed.count(nb)} times: list it once")
    for nb in listed:
        if not (cfg.nbs_path / nb).exists(): problem("sidebar", "nbs/sidebar.yml", f"{nb} does not exist: remove it")

def picture_up_front(cells) -> bool:
    "True when a stored image, a table output or a Markdown table comes before the chapter's second `## ` section."
    seen = depth = 0
    for c in cells:
        outs = [o.get("data", {}) for o in c.get("outputs", [])]
        if any("image/png" in d or "image/svg+xml" in d or "<table" in "".join(d.get("text/html", "")) for d in outs): return True
        if c["cell_type"] != "markdown": continue
        for line in src(c).splitlines():
            if re.match(r"^:::+\s*\{", line): depth += 1                   # headings inside callouts are not sections
            elif re.match(r"^:::+\s*$", line): depth = max(0, depth - 1)
            elif depth == 0 and line.startswith("## "):
                seen += 1
                if seen >= 2: return False
            elif re.match(r"^\|.*\|\s*$", line) or re.search(r"!\[[^\]]*\]\(", line): return True
    return False

def check_chapter_parts(cfg):
    "Check 7: summary, exercises with folded solutions, and a stored image for every captioned figure, in each chapter (appendices: summary)."
    for nb_path in sorted([*cfg.nbs_path.glob("[0-9][0-9]*_*.ipynb"), *cfg.nbs_path.glob("A[0-9]_*.ipynb")]):
        cells = load_nb(nb_path)["cells"]
        md = [src(c) for c in cells if c["cell_type"] == "markdown"]
        if not any(re.search(r"^## Summary\b", m, re.M) for m in md):
            problem("chapters", rel(nb_path), "no `## Summary` section: end the chapter with what it showed, with its numbers")
        ex = [m for m in md if re.search(r"^## Exercises\b", m, re.M)]
        if nb_path.name.startswith("A"): pass          # appendices: engineering reference, exercises optional
        elif not ex: problem("chapters", rel(nb_path), "no `## Exercises` section")
        if ex and not any(re.search(r'^::: *\{\.callout-\w+[^}]*collapse="true"', m, re.M) for m in md[md.index(ex[0]):]):
            problem("chapters", rel(nb_path), 'exercises without folded solutions: add a `::: {.callout-tip collapse="true"}` with them')
        if not nb_path.name.startswith("A") and not picture_up_front(cells):
            problem("chapters", rel(nb_path), "no picture or table before the second section: open the chapter with a "
                                              "figure drawn by code or a table of what it builds")
        for i, c in enumerate(cells):
            if c["cell_type"] == "code" and re.search(r"^#\|\s*fig-cap:", src(c), re.M) and \
               not any("image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {}) for o in c.get("outputs", [])):
                problem("chapters", cell_where(nb_path, i), "a captioned figure without a stored image: run the cell and commit its output")

_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
LINKED_NAME = re.compile(r"\[[^\]]*`[A-Za-z_][\w.]*`[^\]]*\]\(")   # nbdev doc-links a backticked name: inside a link, a link in a link
TEX_INLINE = re.compile(r"(?<![\\$])\$(?!\$)([^$\n]*\\[A-Za-z]+[^$\n]*)(?<!\\)\$(?!\$)")

def check_markdown_patterns(cfg):
    "Check 8: Markdown that renders wrongly: a link whose text holds a backticked name, inline TeX that pandoc will not read as math."
    for nb_path in [p for p in source_pages(cfg.nbs_path) if p.suffix == ".ipynb"]:
        for i, c in enumerate(load_nb(nb_path)["cells"]):
            if c["cell_type"] != "markdown": continue
            text = src(c)
            for m in LINKED_NAME.finditer(text):
                problem("markdown", cell_where(nb_path, i), f"link text {m.group()[:-1]!r} holds a backticked name, which nbdev turns into a link "
                                                           "inside the link (shown as raw Markdown): move the name out of the link text")
            for m in TEX_INLINE.finditer(_CODE.sub("", text)):
                if m.group(1) != m.group(1).strip():
                    problem("markdown", cell_where(nb_path, i), f"inline math {m.group()!r} has a space after the opening or before the closing $, "
                                                               "so pandoc shows it as raw text: remove the space")
