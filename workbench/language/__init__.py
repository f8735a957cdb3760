"""The language analysis the rules stand on: what a sentence says, who says it, when and where.

From the parse up (each module imports only those listed after it; the contract
"language-layers" in pyproject.toml keeps the order):

- ``evidence_sources``: the evidence kind a claim needs and where to look, named from it;
  ``questions``: evidence questions built from a claim's parse; ``standalone``: a claim made to
  stand alone (dates and places its words leave to context); ``support``: does a claim say only
  what its quote and context say;
- ``attribution``: the chain: who asserts a sentence, through whom, and the claimer options;
- ``reporting``: who asserts what: verbs of saying and finding and the clause each attributes;
  ``dates``: article dates and the times claims refer to;
- ``sources``: names and sources (noun phrases, pronouns, documents for their issuers);
  ``segment``: paragraphs, sentences, body vs boilerplate; ``cues``: surface cues fitted on
  CheckThat! train;
- ``parse``: the one home of spaCy.

Imports only ``workbench.core``: no model, no client, no stage.
"""
