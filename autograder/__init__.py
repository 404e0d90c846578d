"""The course's grading pipeline, built on nbgrader's converters and gradebook.

`python -m autograder release` regenerates `notebooks/` from `solutions/`;
`python -m autograder grade` autogrades a class, each notebook inside a sandbox;
`python -m autograder examples` writes example submissions to try it on.
"""
