"""Grade a class: nbgrader's Autograde in parallel workers, each student's code in a sandbox.

Steps, in order:
1. find each student's notebook (`submissions.py`), unpacking a zip into OUT's scratch folder;
2. generate the assignment from `solutions/` into a scratch nbgrader course (its gradebook holds
   the locked and hidden test cells that `OverwriteCells` restores);
3. grade the submissions in `workers` processes, each with its own copy of that gradebook: check the
   notebook, scan it (`scan.py`), run nbgrader's `Autograde` with the sandboxed kernel (`sandbox.py`)
   and the judge, whose run of the test cells decides the points (`verdicts.py`), write the feedback
   (`feedback.py`);
4. record every score in the final gradebook through nbgrader's API, write `grades.csv` and
   `summary.html`, print a short report.

Flag policy: flags ask the instructor to look and never change the score, which is the judge's. The
tampering flags (`scan.TAMPERING`, a static scan) and `verdict-mismatch` (a test passed in the
student's kernel and failed in the judge) also mark the submission `needs_manual_grade` in the gradebook.
"""

import csv
import hashlib
import json
import multiprocessing
import multiprocessing.util
import os
import shutil
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.converters import Autograde
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from sqlalchemy.exc import SAWarning
from tqdm import tqdm

from autograder.course import ROOT, course_config
from autograder.feedback import FEEDBACK_PREPROCESSORS, summary_html
from autograder.sandbox import TRUNCATED, Zygote, bwrap_path
from autograder.scan import TAMPERING, compare_cells, scan_code, student_sources
from autograder.submissions import Submission, discover, unpack
from autograder.verdicts import JudgedExecute, JudgeZygote, judge_plan

STATUSES = ("graded", "invalid-notebook", "missing-notebook", "timeout", "memory-limit", "kernel-died", "error")
REVIEW = (*TAMPERING, "verdict-mismatch")  # flags that mark a submission for manual review
CHANNEL_ERRORS = ("GraderError", "ProtocolError", "TimeoutError")  # the judge could not get an answer
COLUMNS = ["student", "assignment", "status", "score", "max_score", "message", "flags"]
STATE = ".grading-state.json"


@dataclass
class Options:
    assignment: str
    out: Path
    workers: int = os.cpu_count() or 1
    timeout: float = 600.0  # seconds per notebook
    cell_timeout: int = 120
    memory_gb: float = 4.0
    db_url: str = ""  # default: sqlite:///OUT/gradebook.db
    force: bool = False
    root: Path = ROOT  # the course repository, holding solutions/<assignment>/
    feedback: bool = True  # write each student's feedback page (a third of the grading time)


@dataclass
class Result:
    student: str
    status: str
    message: str
    score: float = 0.0
    max_score: float = 0.0
    flags: list[str] = field(default_factory=list)
    cells: dict[str, tuple[float, float]] = field(default_factory=dict)
    seconds: float = 0.0
    judge_seconds: float = 0.0  # of `seconds`: from the agent's start to the judge's last verdict
    digest: str = ""


def grade(submissions: Path, options: Options) -> list[Result]:
    """Grade every submission found at `submissions` (folder or zip); write everything into options.out."""
    out = options.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    db_url = options.db_url or f"sqlite:///{out / 'gradebook.db'}"
    with tempfile.TemporaryDirectory(dir=out, prefix=".work-") as scratch:
        scratch = Path(scratch)
        found, refused = collect(submissions, options.assignment, scratch / "unpacked")
        for message in refused:
            print(message)
        master = prepare_course(options.root, options.assignment, scratch / "master", db_url)
        key = _grading_key(options)
        previous = _load_state(out, key)
        todo = [s for s in found if options.force or previous.get(s.student, {}).get("digest") != s.digest()]
        kept = [Result(**{**previous[s.student], "cells": {k: tuple(v) for k, v in previous[s.student]["cells"].items()}})
                for s in found if s not in todo]
        results = sorted(kept + run_all(todo, master, options, out), key=lambda r: r.student)
        grade_ids, max_score = master_grade_ids(master), _max_score(master)
    for result in results:
        result.max_score = max_score
    record(results, db_url, options.assignment)
    write_csv(out / "grades.csv", results, options.assignment, grade_ids)
    (out / "summary.html").write_text(summary_html(options.assignment, [asdict(r) for r in results], grade_ids,
                                                   max_score), encoding="utf-8")
    (out / STATE).write_text(json.dumps({"key": key, "results": [asdict(r) for r in results]}, ensure_ascii=False))
    print(report(results, len(kept), out))
    return results


def collect(path: Path, assignment: str, unpack_to: Path) -> tuple[list[Submission], list[str]]:
    """The submissions at `path`, and a message per refused zip entry."""
    if not path.exists():
        raise FileNotFoundError(f"no submissions at {path}")
    refused = []
    if path.is_file() and path.suffix == ".zip":
        unpack_to.mkdir(parents=True)
        refused = unpack(path, unpack_to)
        path = unpack_to
    elif not path.is_dir():
        raise FileNotFoundError(f"{path} is neither a folder nor a .zip of submissions")
    return discover(path, assignment), refused


def prepare_course(root: Path, assignment: str, folder: Path, db_url: str) -> Path:
    """An nbgrader course in `folder` with the assignment generated into its own gradebook and into `db_url`."""
    source = root / "solutions" / assignment
    if not (source / f"{assignment}.ipynb").is_file():
        raise FileNotFoundError(f"no solution notebook {source / (assignment + '.ipynb')}")
    shutil.copytree(source, folder / "source" / assignment,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    for url in (f"sqlite:///{folder / 'gradebook.db'}", db_url):
        api = _api(folder, db_url=url)
        result = api.generate_assignment(assignment, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader could not generate {assignment}:\n{result['log']}")
    return folder


def _api(folder: Path, db_url: str | None = None, settings: dict | None = None) -> NbGraderAPI:
    config = course_config(folder)
    if db_url:
        config.CourseDirectory.db_url = db_url
    for section, values in (settings or {}).items():
        for name, value in values.items():
            setattr(config[section], name, value)
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)


def master_notebook(master: Path) -> nbformat.NotebookNode:
    """The released (student) notebook of the assignment."""
    return nbformat.read(next((master / "release").glob("*/*.ipynb")), as_version=4)


def master_grade_ids(master: Path) -> list[str]:
    """The graded cells' ids, in notebook order."""
    return [c.metadata.nbgrader["grade_id"] for c in master_notebook(master).cells
            if c.metadata.get("nbgrader", {}).get("grade")]


def _max_score(master: Path) -> float:
    return sum(c.metadata.nbgrader.get("points", 0) for c in master_notebook(master).cells
               if c.metadata.get("nbgrader", {}).get("grade"))


def _grading_key(options: Options) -> str:
    """What a stored result depends on besides the notebook: the solution and the limits."""
    solution = (options.root / "solutions" / options.assignment / f"{options.assignment}.ipynb").read_bytes()
    limits = f"{options.timeout}/{options.cell_timeout}/{options.memory_gb}"
    return hashlib.sha256(solution + limits.encode()).hexdigest()


def _load_state(out: Path, key: str) -> dict[str, dict]:
    try:
        state = json.loads((out / STATE).read_text())
    except (OSError, ValueError):
        return {}
    return {r["student"]: r for r in state["results"]} if state.get("key") == key else {}


def run_all(todo: list[Submission], master: Path, options: Options, out: Path) -> list[Result]:
    """Grade in a pool of worker processes, with a progress bar; a crash in one never stops the rest."""
    if not todo:
        return []
    if not bwrap_path() and os.geteuid() == 0:
        raise RuntimeError("bubblewrap (bwrap) is not installed, and students' code must not run as root without a "
                           "sandbox: install it (sudo apt-get install bubblewrap) or grade as an ordinary user")
    if not bwrap_path():
        print("WARNING: bubblewrap (bwrap) is not installed: student code will run WITHOUT a sandbox "
              "(resource limits only). Install it: sudo apt-get install bubblewrap")
    results = []
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    workers = max(1, min(options.workers, len(todo)))
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(master, options, out)) as pool:
        futures = {pool.submit(_grade_one, s): s for s in todo}
        for future in tqdm(as_completed(futures), total=len(futures), desc="grading", unit="notebook"):
            submission = futures[future]
            try:
                results.append(future.result())
            except Exception as error:  # noqa: BLE001 (a worker crash is reported as this student's error)
                results.append(Result(submission.student, "error", f"The grader failed on this submission "
                                      f"({type(error).__name__}: {error}); ask the instructor to look at it."))
    return results


_WORKER = None


def _start_worker(master: Path, options: Options, out: Path) -> None:
    global _WORKER
    warnings.simplefilter("ignore", SAWarning)  # nbgrader's own gradebook code, harmless
    _WORKER = Worker(master, options, out)


def _grade_one(submission: Submission) -> Result:
    return _WORKER.grade(submission)


class Worker:
    """One grading process: its own nbgrader course folder and gradebook, copied from the master."""

    def __init__(self, master: Path, options: Options, out: Path):
        self.options, self.out = options, out
        self.folder = Path(tempfile.mkdtemp(prefix=f"worker-{os.getpid()}-", dir=master.parent))
        shutil.copytree(master / "source", self.folder / "source")
        shutil.copy(master / "gradebook.db", self.folder / "gradebook.db")
        self.released = master_notebook(master)
        self.report = self.folder / "kernel-report.txt"
        self.judged = self.folder / "judge-report.json"
        source = nbformat.read(self.folder / "source" / options.assignment / f"{options.assignment}.ipynb", as_version=4)
        plan = judge_plan(self.released, source, f"sqlite:///{self.folder / 'gradebook.db'}", options.assignment)
        self.plan = self.folder / "judge-plan.json"
        self.plan.write_text(json.dumps(plan))
        self.zygote = self.judges = None
        self._start_kernels()

    def _start_kernels(self) -> None:
        """(Re)start the warm kernel and judge factories where they can be used, and nbgrader's API configured
        for them."""
        if Zygote.available():
            self.zygote = Zygote.start()
            self.judges = JudgeZygote(self.zygote.ipc, int(self.options.memory_gb * 2**30))
            for factory in (self.zygote, self.judges):
                multiprocessing.util.Finalize(None, factory.stop, exitpriority=10)  # runs when the worker exits
        self.api = _api(self.folder, settings=autograde_settings(self.options, self.report, self.zygote,
                                                                 self.plan, self.judged, self.judges))

    def grade(self, submission: Submission) -> Result:
        if self.zygote is not None and not (self.zygote.alive() and self.judges.alive()):
            self.zygote.stop()
            self.judges.stop()
            self._start_kernels()
        start = time.monotonic()
        result = self._grade(submission)
        result.seconds = round(time.monotonic() - start, 2)
        result.digest = submission.digest()
        return result

    def _grade(self, submission: Submission) -> Result:
        student, assignment = submission.student, self.options.assignment
        if submission.notebook is None:
            return Result(student, "missing-notebook", f"No notebook was found for this student: submit "
                                                       f"{assignment}.ipynb (File > Download in JupyterLab).")
        nb, problem = read_notebook(submission.notebook)
        if nb is None:
            return Result(student, "invalid-notebook", f"'{submission.notebook.name}' {problem}: download the "
                                                       "notebook again from JupyterLab (File > Download) and resubmit.")
        flags = compare_cells(nb.cells, self.released.cells)
        flags += scan_code(student_sources(nb.cells, self.released.cells))
        submitted = self.folder / "submitted" / student / assignment
        shutil.rmtree(self.folder / "submitted" / student, ignore_errors=True)
        submitted.mkdir(parents=True)
        nbformat.write(without_duplicate_ids(nb), submitted / f"{assignment}.ipynb")
        self.report.unlink(missing_ok=True)
        self.judged.unlink(missing_ok=True)
        outcome = self.api.autograde(assignment, student, force=True, create=True)
        autograded = self.folder / "autograded" / student / assignment / f"{assignment}.ipynb"
        executed = nbformat.read(autograded, as_version=4) if outcome["success"] and autograded.is_file() else None
        status, message = self._status(outcome, executed)
        if executed is not None and any(TRUNCATED in o.get("text", "") for c in executed.cells for o in c.get("outputs", [])):
            flags.append("output-truncated")
        judged = json.loads(self.judged.read_text()) if self.judged.is_file() else {}
        if any(o["in_kernel"] and not o["judge"] for o in judged.get("cells", {}).values()):
            flags.append("verdict-mismatch")
        result = Result(student, status, _with_note(message, submission.note), flags=sorted(set(flags)),
                        cells=self._scores(student))
        result.score = sum(score for score, _ in result.cells.values())
        result.judge_seconds = judged.get("seconds", 0.0)
        unanswered = sorted(c for c, o in judged.get("cells", {}).items() if o["error"].startswith(CHANNEL_ERRORS))
        if unanswered:
            result.message += (f" {len(unanswered)} test cell(s) could not be checked because the notebook's kernel "
                               "did not answer the grader (stopped, too slow or garbled): they score 0.")
        review = sorted(set(result.flags) & set(REVIEW))
        if review:
            result.message = ("Flagged for review: the notebook may change how it is graded "
                              f"({', '.join(review)}); the instructor will look at it. " + result.message)
        if executed is not None and self.options.feedback:
            self._feedback(student)
        return result

    def _status(self, outcome: dict, executed) -> tuple[str, str]:
        event = self.report.read_text() if self.report.is_file() else ""
        if event == "timeout":
            return "timeout", (f"The notebook ran longer than {self.options.timeout:g} s and was stopped: look for an "
                               "endless loop, or long work that does not check NBGRADER_EXECUTION.")
        if executed is None and event.startswith("died"):
            code = event.split()[1]
            return "kernel-died", (f"Python stopped while running the notebook (exit status {code}: a crash, "
                                   "os._exit or sys.exit): run it top to bottom locally (Restart & Run All) and fix "
                                   "the cell where the kernel dies.")
        if executed is None and "CellTimeoutError" in outcome.get("log", ""):
            return "timeout", (f"A cell ran longer than {self.options.cell_timeout} s and did not stop when "
                               "interrupted, so the notebook was stopped: look for an endless loop.")
        if executed is None:
            last = [line for line in outcome.get("log", "").splitlines() if "ERROR" in line][-1:]
            return "error", ("The grader could not run this notebook (" + (last[0].strip() if last else "unknown")
                             + "); ask the instructor to look at it.")
        errors = [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
        if any(o.ename == "CellTimeoutError" for o in errors):
            return "timeout", (f"A cell ran longer than {self.options.cell_timeout} s and was interrupted; the "
                               "other cells were graded: look for an endless loop.")
        if any(o.ename == "MemoryError" or "allocate memory" in o.evalue for o in errors):
            return "memory-limit", (f"A cell ran out of memory (limit {self.options.memory_gb:g} GiB); the other "
                                    "cells were graded: avoid building huge tensors or lists.")
        return "graded", "Graded: the feedback file shows each test's outcome."

    def _scores(self, student: str) -> dict[str, tuple[float, float]]:
        with Gradebook(self.api.coursedir.db_url) as gradebook:
            submission = gradebook.find_submission(self.options.assignment, student)
            return {g.name: (float(g.auto_score or 0), float(g.max_score)) for nb in submission.notebooks
                    for g in nb.grades}

    def _feedback(self, student: str) -> None:
        assignment = self.options.assignment
        if self.api.generate_feedback(assignment, student, force=True)["success"]:
            target = self.out / "feedback" / student / f"{assignment}.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(self.folder / "feedback" / student / assignment / f"{assignment}.html", target)


def autograde_settings(options: Options, report: Path, zygote: Zygote | None = None, plan: Path | None = None,
                       judged: Path | None = None, judges: JudgeZygote | None = None) -> dict:
    """Configuration that plugs the sandbox and the judge into nbgrader's Autograde and the feedback steps into
    GenerateFeedback."""
    steps = Autograde.class_traits()["autograde_preprocessors"].default()
    return {
        "Autograde": {"autograde_preprocessors": [JudgedExecute if s is Execute else s for s in steps]},
        "JudgedExecute": {"judge_plan": str(plan or ""), "judge_report": str(judged or ""),
                          "judge_zygote": str(judges.folder) if judges else ""},
        "OverwriteCells": {"add_missing_cells": True},
        "Execute": {"timeout": options.cell_timeout},
        "SandboxKernelManager": {"memory_bytes": int(options.memory_gb * 2**30), "notebook_seconds": options.timeout,
                                 "report_path": str(report), "zygote_folder": str(zygote.folder) if zygote else ""},
        "GenerateFeedback": {"preprocessors": FEEDBACK_PREPROCESSORS},
    }


def read_notebook(path: Path) -> tuple[nbformat.NotebookNode | None, str]:
    """The notebook, or None and what is wrong with the file."""
    data = path.read_bytes()
    if not data.strip():
        return None, "is an empty file"
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        nbformat.validate(nb)
    except UnicodeDecodeError:
        return None, "is not a text file"
    except nbformat.ValidationError as error:
        return None, f"does not follow the notebook format ({error.message[:100]})"
    except Exception:  # noqa: BLE001 (nbformat raises several kinds of error for text that is not JSON)
        return None, "is not valid JSON (cut short, or not a notebook at all)"
    return nb, ""


def without_duplicate_ids(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook with nbgrader's metadata removed from every copy of a cell whose grade_id came before
    (JupyterLab's copy and paste keeps it, and nbgrader refuses such a notebook); the copies still run."""
    seen = set()
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in seen:
            del cell.metadata["nbgrader"]
        elif grade_id:
            seen.add(grade_id)
    return nb


def _with_note(message: str, note: str) -> str:
    return f"{message} {note}." if note else message


def record(results: list[Result], db_url: str, assignment: str) -> None:
    """Write every score into the final gradebook; a flag for review marks the submission `needs_manual_grade`."""
    with Gradebook(db_url) as gradebook, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # raised inside nbgrader's update_or_create_submission
        for result in results:
            gradebook.update_or_create_student(result.student)
            submission = gradebook.update_or_create_submission(assignment, result.student)
            review = bool(set(result.flags) & set(REVIEW))
            for notebook in submission.notebooks:
                for grade_ in notebook.grades:
                    grade_.auto_score = result.cells.get(grade_.name, (0.0, 0.0))[0]
                    grade_.manual_score = None
                    grade_.needs_manual_grade = review
        gradebook.db.commit()


def write_csv(path: Path, results: list[Result], assignment: str, grade_ids: list[str]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS + grade_ids)
        for r in results:
            cells = [f"{r.cells[g][0]:g}" if g in r.cells else "" for g in grade_ids]
            writer.writerow([spreadsheet_safe(v) for v in (r.student, assignment, r.status, f"{r.score:g}",
                                                           f"{r.max_score:g}", r.message, " ".join(r.flags), *cells)])


def spreadsheet_safe(value: str) -> str:
    """A CSV field that a spreadsheet shows as text: one that could start a formula gets a leading quote."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def report(results: list[Result], reused: int, out: Path) -> str:
    """One screen: counts per status, the slowest submissions, where the files are."""
    lines = [f"graded {len(results)} submissions ({reused} unchanged since the last run, not regraded)"]
    for status in STATUSES:
        count = sum(r.status == status for r in results)
        if count:
            lines.append(f"  {status:<17}{count}")
    flagged = [r for r in results if r.flags]
    if flagged:
        named = [f"{r.student} ({' '.join(r.flags)})" for r in flagged]
        lines.append("  flagged for review: " + ", ".join(named))
    slowest = sorted((r for r in results if r.seconds), key=lambda r: -r.seconds)[:3]
    if slowest:
        lines.append("  slowest: " + ", ".join(f"{r.student} {r.seconds:.1f} s" for r in slowest))
    lines.append(f"wrote {out / 'grades.csv'}, {out / 'summary.html'}, {out / 'feedback'}/")
    return "\n".join(lines)
