"""The claim-check workbench: an article in, its checkable claims and the evidence that would
settle them out. The packages, each importing only those below it (the contracts in
pyproject.toml [tool.importlinter]; `make lint` keeps them):

- ``cli``: the command line; it starts everything, the UI server too;
- ``ui/``: the Streamlit workbench, the only code that talks to streamlit;
- ``review/``: what a person does with a report: correct it (saved as an eval fixture), compare;
- ``evaluation/``: ``workbench eval``: fixtures and data sets scored against the baseline;
- ``io/``: articles in (``ingest``), reports out (``export``), many at once (``batch``);
  ``session``: config, cache, prompts and clients tied into runs (io and session are
  independent of each other);
- ``pipeline``: the composer: text -> segment -> select -> extract -> rate -> evidence;
- ``stages/``: the four stages, each one question to a client;
- ``llm/``: the model seam (clients, cache and recording wrappers, each stage's engine chain);
- ``engines/``: the stages' answers without a model: rules, cues, classifier;
- ``classifier/``: the trained check-worthiness classifier and its model files;
- ``language/``: the analysis the rules stand on: segments, spaCy's parse, who asserts what,
  dates, support, cues, questions, where to look;
- ``core/``: the data types, config, cache, errors, spending caps and prompts.
"""
