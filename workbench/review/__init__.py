"""What a person does with a report: correct it (and save it as an eval fixture), compare two.
"""
