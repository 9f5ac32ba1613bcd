# builds on the notebook's solutions
# Hostile: leaves processes running after grading.
import os, subprocess, time
subprocess.Popen(['sleep', '600'])
if os.fork() == 0:
    os.setsid()
    while True:
        time.sleep(1)
