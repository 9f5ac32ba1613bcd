"""Where an exercise is checked: plain data from the sandbox in, scores and hints out.  Pure.

- ``exercise``: one function exercise's verdict, score and feedback; ``figure``: the padding figure;
- ``verdict``: one case; ``contracts``: what a return value must look like; ``compare``: tolerances;
- ``answers``: the answer key's outputs of a case; ``scoring``: the partial-credit rule;
- ``diagnose`` and ``mistakes``: naming the student's bug when it is confirmed (the catalog of known
  mistakes and hints); ``observations``: what the cases show when no mistake is confirmed;
- ``result``: ExerciseResult, CaseResult and the statuses.
"""
