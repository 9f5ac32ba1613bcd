"""JupyterHub's configuration for `make hub-demo` and the hub tests: `jupyterhub -f tools/hub_config.py`.

tools/hub.py lays out the state folder and writes the settings this reads (CNN_HUB_SETTINGS, JSON):
ports, the password, the students, the student environment and the course copy.  What it sets up:
DummyAuthenticator (one known password), SimpleLocalProcessSpawner (each student's home a folder of
the state holding a copy of the release), configurable-http-proxy from npm, and the grading service
`cnn-grade serve` as a hub-managed service named cnn-grade that the hub restarts when it exits.
"""
import json
import os
from pathlib import Path

SERVICE = "cnn-grade"

settings = json.loads(Path(os.environ["CNN_HUB_SETTINGS"]).read_text(encoding="utf-8"))
state = Path(settings["state"])
service_root = f"http://127.0.0.1:{settings['service_port']}"
c = get_config()  # noqa: F821 (JupyterHub defines it when it loads this file)

c.JupyterHub.bind_url = f"http://127.0.0.1:{settings['port']}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{settings['hub_api_port']}"
c.JupyterHub.db_url = f"sqlite:///{state / 'hub' / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "hub" / "cookie_secret")
c.ConfigurableHTTPProxy.command = [settings["proxy"]]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings['proxy_api_port']}"
c.ConfigurableHTTPProxy.pid_file = str(state / "hub" / "proxy.pid")

c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = settings["password"]
c.Authenticator.allowed_users = set(settings["students"]) | {settings["instructor"]}
c.Authenticator.admin_users = {settings["instructor"]}

c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(state / "home" / "{username}")
# The student environment's single-user server: the release's requirements.txt (with this package's
# "Check my work") and JupyterHub's single-user server, not the instructor's venv with the answer key.
c.Spawner.cmd = [settings["singleuser"]]
c.Spawner.default_url = "/lab"
c.Spawner.args = ["--allow-root"] if os.geteuid() == 0 else []
c.Spawner.start_timeout = c.Spawner.http_timeout = 180
c.Spawner.environment = {
    # Straight to the service, not through the proxy: the kernel and the server extension run here.
    "CNN_CHECK_URL": f"{service_root}/services/{SERVICE}/",
    # The student view of tools/lab.py: nbgrader's Validate and assignment list, no formgrader.
    "JUPYTER_CONFIG_PATH": settings["jupyter_config"],
    "PATH": os.pathsep.join([str(Path(settings["singleuser"]).parent), os.environ.get("PATH", "")]),
}

c.JupyterHub.services = [{
    "name": SERVICE,
    "url": service_root,
    "command": settings["service_command"],
    "cwd": settings["course"],
    "oauth_no_confirm": True,
}]
# The single-user server's JUPYTERHUB_API_TOKEN (the kernels inherit it) gets the scopes of the
# `server` role that its user also holds, so both roles name the service.
ACCESS = f"access:services!service={SERVICE}"
c.JupyterHub.load_roles = [
    {"name": "user", "scopes": ["self", ACCESS]},
    {"name": "server", "scopes": ["users:activity!user", "access:servers!server", ACCESS]},
]
