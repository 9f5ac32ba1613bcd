"""The pieces of `autograder.check`, one job each.

- ``answers``: the answer key's outputs of a case (named arrays);
- ``contracts``: what a student's return value must look like, and the outputs read out of it;
- ``compare``: tolerances and comparisons of plain data (every comparison happens here, in the grader);
- ``scoring``: the partial-credit rule;
- ``diagnose``: naming known mistakes by comparing outputs with the catalog's mutants;
- ``result``: ExerciseResult and CaseResult, and the result of an exercise that never ran.
"""
