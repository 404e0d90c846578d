"""Helpers shared by the book pages and the exercise notebooks of *Transformers from Scratch*.

Plots (`tfs.plotting`), data (`tfs.data`), widgets (`tfs.widgets`), device and seeding
(`tfs.runtime`) and test helpers with teaching messages (`tfs.checks`). It holds no solution
to any exercise: learners install it.
"""

__version__ = "0.1.0"
