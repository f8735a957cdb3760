"""Evaluation: hand-labelled fixtures and public datasets, scored; ``workbench eval``.

Gold and inputs
- ``fixtures``: loads and checks the hand-labelled articles of ``evals/fixtures/*.yaml``;
- ``datasets/``: public labelled sets read from where they lie, one module per dataset with its
  reader and its runner (``checkthat``, ``factcheck_gpt``, ``averitec``, ``newsclaims``); the
  package itself parses ``NAME:PATH`` specs, finds the dataset modules and samples stably.

Scoring (pure: no model, no files)
- ``scoring/``: the scorers, one module per thing measured (``prf``, ``grounding``,
  ``sentences``, ``alignment``, ``checkworthiness``, ``evidence``, ``health``, and ``suite``:
  all of them on one fixture, pooled over a set);
- ``metrics``: the named numbers (``claims.f1``, ...) reports, baselines and the gate speak in;
- ``items``: each metric's per-item counts (articles, gold sentences, gold claims, dataset
  items), which pool to the metric and which the bootstrap resamples;
- ``stats``: the percentile bootstrap over items and the paired one for a delta (pure numpy);
- ``meteor``: METEOR offline, for AVeriTeC's question score;
- ``heuristic``: the non-LLM check-worthiness system (cue weights, template evidence) scored
  beside every backend.

Running
- ``fixture_runner``: fixtures through the real pipeline, scored, the heuristic beside them;
- ``dataset_runner``: the skeleton the dataset runners share (stage counts, one sentence through
  select -> extract -> rate, progress, the ``DatasetRun`` result);
- ``command``: the ``workbench eval`` command line.

Comparing with the blessed baseline
- ``baselines``: the committed ``evals/baselines/<backend>.json`` files: bless, load, rebuild;
- ``gate``: the run against the baseline metric by metric, tolerances and noise rules from
  ``evals/config.toml``, each delta with its paired interval;
- ``diff``: the per-claim and per-sentence diff against the baseline (claims paired by
  ``workbench.evaluation.claim_diff``, as on the Compare page).

Comparing two set-ups
- ``versus``: two runs on the same items, a verdict per metric (``workbench eval --compare``).

Reports and history
- ``report``: the ``EvalReport`` model, built from a run and written to a run folder;
- ``render``: the report as terminal lines, Markdown and JUnit XML;
- ``history``: the run folders read back as tables for the Evals page;
- ``provenance``: what a run ran with (commit, backend, prompts, packages);
- ``claim_diff``: the claims of two runs paired, with the one rule for "changed" that the diff
  and the Compare page share.

May import ``workbench.session`` and ``workbench.io`` and the layers below them; the review and
the UI import it, never the other way round.
"""
