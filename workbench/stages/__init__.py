"""The four stages of the pipeline, each a function of its inputs that asks one question:

- ``select``: does a sentence hold checkable content?
- ``extract``: its atomic claims, quotes and claimers chosen from options read from the text;
- ``checkworthiness``: how check-worthy a claim is (score, label, rationale);
- ``evidence``: the evidence that would settle a claim: needs, questions, where to look.

Each asks a ``StructuredClient`` (``workbench.llm``), so a model or an engine answers alike;
``workbench.pipeline`` chains them. No stage imports another (contract "stages-independent").
May import ``workbench.llm``, ``workbench.language`` and ``workbench.core``.
"""
