"""Exercises and results: texts, dictations, the result record, sessions."""
