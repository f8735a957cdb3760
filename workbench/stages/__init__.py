"""The four stages of the pipeline: select, extract, checkworthiness, evidence. Each asks a
``StructuredClient`` (``workbench.llm``) one question; none imports another.
"""
