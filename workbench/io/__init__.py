"""Input and output: articles in, reports out, many articles at once.

- ``ingest``: bytes -> text (encodings, HTML via trafilatura, Markdown via markdown-it);
- ``export``: a report as JSON, CSV, a Markdown brief, and the published shapes (AVeriTeC,
  CheckThat!, ClaimReview);
- ``batch``: ``workbench batch``: keys by content and settings, resumes, shards, merges.

May import ``workbench.pipeline`` and the layers below it; not ``workbench.session`` (the caller
brings the clients), nor the evaluation, the review or the UI.
"""
