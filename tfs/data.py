"""Small data sets the course ships or generates, so that nothing is downloaded at run time."""

# A toy corpus for chapter 1: short English sentences and two Chinese ones.
TOY_CORPUS = [
    "The cat sat on the mat.",
    "The dog sat on the log.",
    "A cat and a dog played in the garden.",
    "The bank of the river was muddy.",
    "She deposited money at the bank.",
    "Attention is all you need!",
    "我爱自然语言处理。",
    "猫坐在垫子上。",
]
