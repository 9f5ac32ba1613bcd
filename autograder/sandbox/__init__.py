"""Where a submission is executed: the sandbox, both halves of its protocol side by side.

- host side: ``execute`` (send the job, read the answer back), ``pool`` (the batch's sandboxes, one
  slot per submission), ``zygotes`` (long-lived bubblewrap sandboxes that build a fresh box per
  job) or ``rlimit`` (the fallback: a fresh process per job), ``cgroups`` (memory and processes
  per submission), ``channel`` (the job's socket, bounded), ``readback`` (decode and validate the
  answer), ``launch`` (the bubblewrap command and what the sandbox sees), ``limits``;
- guest side, ``guest/``: what runs inside, beside student code (zygote, jobbox, seccomp, runner,
  calls, figures, the wire format); the job protocol is written down once, in ``guest/protocol``.
"""
