"""nbgrader settings, so that plain `nbgrader ...` commands work from the repository root.

`solutions/<id>/<id>.ipynb` is nbgrader's "source" and `notebooks/<id>/<id>.ipynb` its "release".
Prefer `python -m autograder release` and `python -m autograder grade`, which wrap these steps.
"""

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "transformers-from-scratch"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"

# The release keeps no outputs and no execution counts, so that it is byte-for-byte reproducible.
c.ClearOutput.enabled = True
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.Execute.timeout = 300
