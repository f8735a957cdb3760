"""Input and output: reading an article, exporting a report, batches of articles.
"""
