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


def lee_corpus() -> list[list[str]]:
    """The Lee background corpus that gensim ships: 300 news articles, one list of lower-case words each.

    Tokenised with gensim's `simple_preprocess` (words of 2 to 15 letters, no punctuation or digits).
    """
    from gensim.test.utils import datapath
    from gensim.utils import simple_preprocess

    with open(datapath("lee_background.cor"), encoding="utf-8") as corpus:
        return [simple_preprocess(line) for line in corpus]


def wordsim353() -> list[tuple[str, str, float]]:
    """The WordSimilarity-353 pairs that gensim ships: (word, word, mean human similarity from 0 to 10)."""
    from gensim.test.utils import datapath

    with open(datapath("wordsim353.tsv"), encoding="utf-8") as pairs:
        rows = [line.rstrip("\n").split("\t") for line in pairs if not line.startswith("#")]
    return [(first.lower(), second.lower(), float(score)) for first, second, score in rows]
