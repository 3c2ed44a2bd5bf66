"""The course's questions, one module each: a module ends with `QUESTION = Question(...)`
(graders/autograde/question.py) and holds everything about its question above it: its givens
(the exam's numbers), its torch reference, its probes and items, its catalogued mistakes and the
wrong answers the tests must see diagnosed. `python -m graders new-question ID --kind KIND`
writes a new one; `python -m graders check` lists them with their problems. The grading engine
finds them by this package's name (graders/autograde/registry.py), never by import.
"""
