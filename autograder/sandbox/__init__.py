"""Where a submission is executed: the sandbox, both halves of its protocol side by side.

- host side: ``launch`` (the bubblewrap command and what the sandbox sees), ``limits``,
  ``zygotes`` (long-lived sandboxes that fork a runner per submission), ``execute`` (write the
  job, run it, read plain data back);
- guest side, ``guest/``: what runs inside, beside student code (runner, zygote, calls, figures,
  the wire format); the job protocol between the two is written down once, in ``guest/protocol``.
"""
