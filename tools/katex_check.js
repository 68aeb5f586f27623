// Typeset formulas with KaTeX; used by tools/check_docs.py.
// stdin: JSON list of {id, tex, display}. stdout: JSON list of {id, error} for the formulas that fail.
"use strict";
const katex = require("katex");

// Strict mode, except where KaTeX is stricter than MathJax (which renders the website) for no gain:
// unicode letters in math (e.g. "é" inside \text{}) render fine in both.
const RELAXED = new Set(["unicodeTextInMathMode"]);
function strict(code) { return RELAXED.has(code) ? "ignore" : "error"; }

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const failures = [];
  for (const f of JSON.parse(input)) {
    try {
      katex.renderToString(f.tex, { displayMode: !!f.display, throwOnError: true, strict: strict, trust: false });
    } catch (e) {
      failures.push({ id: f.id, error: String(e.message || e) });
    }
  }
  process.stdout.write(JSON.stringify(failures));
});
