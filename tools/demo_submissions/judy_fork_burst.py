# builds on the notebook's solutions
# Hostile, bounded: starts 60 processes that would sleep for ten minutes.
import os, time
for _ in range(60):
    if os.fork() == 0:
        time.sleep(600)
        os._exit(0)
