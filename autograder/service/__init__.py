"""The "Check my work" service (`cnn-grade serve`): a student's notebook graded in seconds, on the
instructor's side, with the same grader as the batch.

`app` (HTTP endpoints, admission, the run), `identity` (who asks: a token file or JupyterHub),
`checks` (the checks database), `rate` (the per-student limit), `answer` (what a check shows).
"""
