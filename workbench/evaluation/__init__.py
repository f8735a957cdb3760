"""Evaluation: hand-labelled fixtures, public datasets, and the pure scorers that compare them.

``fixtures`` loads and validates ``evals/fixtures/*.yaml``; ``datasets`` imports public labelled
sets from where they lie; ``scorers`` turns a ``Report`` (or simple predictions) plus gold labels
into typed results; ``meteor`` provides AVeriTeC's question metric offline; ``baseline`` is the
non-LLM check-worthiness heuristic reported beside every backend.
"""
