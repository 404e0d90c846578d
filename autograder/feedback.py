"""What students and the instructor read after grading: feedback without hidden tests, a class summary.

Feedback is nbgrader's `GenerateFeedback` with two more steps: nbgrader's `ClearHiddenTests` removes the
hidden tests' source, and `HideTestTracebacks` shortens a failed test's traceback (which quotes the
failing line, possibly a hidden one) to its error name and message.
"""

import base64
import html
import io
from collections import Counter

from nbgrader.preprocessors import ClearHiddenTests, GetGrades, NbGraderPreprocessor
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor


class HideTestTracebacks(NbGraderPreprocessor):
    """In test cells, replace each error's traceback by `ename: evalue`: the outcome stays, the source goes."""

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            for output in cell.outputs:
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources


FEEDBACK_PREPROCESSORS = [GetGrades, ClearHiddenTests, HideTestTracebacks, CSSHTMLHeaderPreprocessor]


def summary_html(assignment: str, rows: list[dict], grade_ids: list[str], max_score: float) -> str:
    """The class summary: counts per status, a score histogram and each graded cell's pass rate."""
    graded = [r for r in rows if r["status"] != "missing-notebook"]
    statuses = Counter(r["status"] for r in rows)
    rates = []
    for grade_id in grade_ids:
        scores = [r["cells"][grade_id] for r in graded if grade_id in r["cells"]]
        points = max((s[1] for s in scores), default=0)
        passed = sum(1 for score, most in scores if most and score >= most)
        rates.append((grade_id, points, passed, len(scores)))
    status_rows = "".join(f"<tr><td>{html.escape(s)}</td><td>{n}</td></tr>" for s, n in sorted(statuses.items()))
    rate_rows = "".join(
        f"<tr><td>{html.escape(g)}</td><td>{p:g}</td><td>{ok}/{n}</td><td>{(100 * ok / n if n else 0):.0f}%</td></tr>"
        for g, p, ok, n in rates)
    image = _histogram([r["score"] for r in graded], max_score)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(assignment)}: class summary</title>
<style>body{{font-family:sans-serif;max-width:50em;margin:2em auto}}td,th{{padding:.2em .8em;text-align:left}}</style>
</head><body>
<h1>{html.escape(assignment)}: class summary</h1>
<p>{len(rows)} submissions, out of {max_score:g} points.</p>
<h2>Status</h2><table><tr><th>status</th><th>submissions</th></tr>{status_rows}</table>
<h2>Scores</h2><img alt="histogram of scores" src="data:image/png;base64,{image}">
<h2>Pass rate per graded cell</h2>
<table><tr><th>cell</th><th>points</th><th>full marks</th><th>rate</th></tr>{rate_rows}</table>
</body></html>
"""


def _histogram(scores: list[float], max_score: float) -> str:
    """A PNG (base64) histogram of the scores from 0 to max_score."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3))
    axes.hist(scores, bins=max(1, min(20, int(max_score) + 1)), range=(0, max(max_score, 1)), color="#4c72b0")
    axes.set_xlabel("score")
    axes.set_ylabel("submissions")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()
