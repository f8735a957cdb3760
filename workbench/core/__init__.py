"""The small core every layer shares: the data types (``schema``), configuration, the response
cache, errors, spending caps and prompts. Imports no other workbench package.
"""
