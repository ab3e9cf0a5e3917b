"""Text units shared by data, rewards and evaluation: length as LongBench-Write counts it
(``counting``) and paragraphs, sentences and word tokens (``units``).

The bottom of the package: it imports nothing else from ``longwriter_zero``.
"""
