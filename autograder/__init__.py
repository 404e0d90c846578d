"""The course's grading pipeline, built on nbgrader's converters and gradebook.

`python -m autograder release` regenerates `notebooks/` from `solutions/`.
"""
