"""A real nginx running the production proxy template (deploy/nginx/csms.conf.template) on free
ports in a temporary directory, in front of a test daphne."""

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.servers import ROOT, free_port, stop, wait_for_port

TEMPLATE = ROOT / "deploy" / "nginx" / "csms.conf.template"


@dataclass(frozen=True)
class Proxy:
    http: str  # host:port of the plain server (profile 1 stations)
    https: str  # host:port of the TLS server


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(path, os.X_OK)),
        None,
    )


def render_template(
    *, secret: str, upstream: str, http_port: int, https_port: int, certs: Path
) -> str:
    """The production template with this run's secret, upstream, ports and certificates; each
    replaced piece must be found, so that the test fails when the template drifts."""
    text = TEMPLATE.read_text()
    replacements = {
        "${OCPP_TLS_PROXY_SECRET}": secret,
        "server web:8000;": f"server {upstream};",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
        "/etc/nginx/certs/": f"{certs}/",
    }
    for old, new in replacements.items():
        if old not in text:
            raise AssertionError(f"{TEMPLATE} no longer contains {old!r}")
        text = text.replace(old, new)
    return "\n".join(line for line in text.splitlines() if "[::]" not in line) + "\n"


def main_config(prefix: Path, site: Path) -> str:
    """nginx.conf keeping the pid, logs and temporary files inside `prefix`."""
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 1;\npid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'} info;\n"
        "events { worker_connections 512; }\n"
        f"http {{\n    access_log {prefix / 'access.log'};\n{temp}\n    include {site};\n}}\n"
    )


@contextmanager
def nginx_process(prefix: Path, *, secret: str, upstream: str, certs: Path) -> Iterator[Proxy]:
    binary = nginx_binary()
    assert binary is not None, "nginx is not installed"
    prefix.mkdir(parents=True, exist_ok=True)
    http_port, https_port = free_port(), free_port()
    site = prefix / "csms.conf"
    site.write_text(
        render_template(
            secret=secret,
            upstream=upstream,
            http_port=http_port,
            https_port=https_port,
            certs=certs,
        )
    )
    config = prefix / "nginx.conf"
    config.write_text(main_config(prefix, site))
    command = [binary, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(config)]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert check.returncode == 0, f"nginx -t failed:\n{check.stderr}"
    with open(prefix / "nginx.out", "wb") as out:
        process = subprocess.Popen(
            [*command, "-g", "daemon off;"], stdout=out, stderr=subprocess.STDOUT
        )
        try:
            wait_for_port(http_port, process)
            wait_for_port(https_port, process)
            yield Proxy(f"127.0.0.1:{http_port}", f"127.0.0.1:{https_port}")
        finally:
            stop(process)
