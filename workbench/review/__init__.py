"""What a person does with a report: correct it, and compare two.

- ``corrections``: reviewer corrections (accept, reject, edit, add claims, edit evidence), and
  the reviewed report saved as an eval fixture;
- ``compare``: two reports of one article side by side, claims paired by the eval's rule
  (``workbench.evaluation.claim_diff``).

Pure logic behind the Review and Compare pages (no streamlit). May import
``workbench.evaluation`` (the fixture format, the claim pairing) and every layer below it.
"""
