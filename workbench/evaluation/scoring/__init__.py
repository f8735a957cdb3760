"""Pure scorers: gold labels and a ``Report`` (or plain predictions) in, a typed result out.

One module per thing measured; each scorer states what it measures and how it treats the edge
cases.

- ``prf``: precision/recall/F1 with their counts (``prf_from_counts``, ``sum_prf``,
  ``binary_prf``);
- ``grounding``: quotes verbatim at their offsets (``score_grounding``);
- ``sentences``: sentence-level claim detection (``score_sentence_detection``);
- ``alignment``: predicted claims matched one-to-one to gold claims (``align_claims``,
  ``align_report_claims``), also the pairing behind ``workbench.evaluation.claim_diff``;
- ``checkworthiness``: yes/no check-worthiness per matched claim or per sentence;
- ``evidence``: AVeriTeC's question score and evidence-kind P/R (``score_questions``,
  ``score_evidence``);
- ``health``: structured-output health per stage (``score_output_health``);
- ``suite``: every scorer on one fixture (``score_report``) and a fixture set pooled
  (``summarise_fixture_scores``).

Two calling styles: fixtures go through ``suite.score_report``; the dataset runners call
``binary_prf``, ``score_checkworthiness``, ``align_claims`` and ``score_questions`` on lists of
plain values.

Conventions: counts are kept next to every ratio so a runner can micro-average over fixtures
(``sum_prf``); a ratio with nothing to divide is ``None``, except precision/recall/F1 where
"nothing predicted and nothing to find" is a perfect 1.0 (an opinion piece with no claims,
correctly left empty). Nothing here calls a model, reads a file or keeps state, except
``score_questions``' default similarity, METEOR, which needs WordNet (see ``meteor``).
"""
