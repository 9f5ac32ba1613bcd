# builds on the notebook's solutions
# Hostile: looks for the solutions, the gradebook and other students' work, and phones home.
import glob, os, socket
found = []
for pattern in ['/work/*/source/*/*.ipynb', '/work/*/gradebook.db', '/work/*/demo/submitted/*/*/*', '/work/*/cnn_reference/*.py', '/tmp/*/*', '/job/../*',
                '/work/*/submitted/*/*/*.ipynb', os.path.expanduser('~/*')]:
    found += glob.glob(pattern, recursive=True)[:5]
print('files found:', found)
try:
    socket.create_connection(('example.org', 80), timeout=2)
    print('network: reachable')
except OSError as error:
    print('network: unreachable', error)
