"""The grader of "Convolutional Neural Networks: Step by Step", folder by folder along the way a
submission travels (each layer imports only the layers before it):

- ``assignment/``: what the assignment is: the exercise records, the cases, the expected outputs,
  the release's metadata;
- ``sandbox/``: where a submission is executed (host side, and ``guest/`` beside student code);
- ``checking/``: where an exercise is checked: verdicts, scores, the catalog of mistakes and hints;
- ``results/``: the typed records and results.json, the gradebook, the reports;
- ``grading/``: the bulk grader: discovery, the pipeline of steps, engines (threads, Dask);
- ``cli`` (``cnn-grade``) and ``notebook`` (what the notebook's locked test cells call) on top;
  ``errors`` and ``nbgrader_env`` below everything.
"""
