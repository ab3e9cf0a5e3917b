"""Evaluation: answer generation, LongBench-Write length score, WritingBench critic scores,
Arena-style pairwise judging with Bradley-Terry ratings, repetition statistics, reports."""
