"""Where an exercise is checked: plain data from the sandbox in, scores and hints out.  Pure.

- ``exercise``: one function exercise's verdict, score and feedback; ``figure``: the padding figure;
- ``verdict``: one case; ``contracts``: what a return value must look like; ``compare``: tolerances;
- ``answers``: the answer key's outputs of a case; ``scoring``: the partial-credit rule;
- ``diagnose`` and ``mistakes``: naming the student's bug (the catalog of known mistakes and hints);
- ``result``: ExerciseResult, CaseResult and the statuses.
"""
