"""deploy/make-certs.sh makes what the proxy template mounts, bound to station identities."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from tests.servers import ROOT

SCRIPT = ROOT / "deploy" / "make-certs.sh"


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def common_name(cert: x509.Certificate) -> str:
    return str(cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)


def test_make_certs_signs_a_server_and_station_certificates(tmp_path: Path) -> None:
    if shutil.which("openssl") is None and os.environ.get("CI") != "true":
        pytest.skip("needs the openssl CLI")
    env = {**os.environ, "CERTS_DIR": str(tmp_path)}
    run = [str(SCRIPT), "csms.example.com", "CP-0001", "CP-0002"]
    subprocess.run(run, env=env, check=True, capture_output=True)
    ca = load(tmp_path / "station-ca.crt")
    server = load(tmp_path / "server.crt")
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["csms.example.com"]
    for identity in ("CP-0001", "CP-0002"):
        station = load(tmp_path / f"{identity}.crt")
        station.verify_directly_issued_by(ca)
        assert common_name(station) == identity
    server.verify_directly_issued_by(ca)
    # Run again for a new station: the CA stays, so earlier certificates remain valid.
    subprocess.run([str(SCRIPT), "127.0.0.1", "CP-0003"], env=env, check=True, capture_output=True)
    assert load(tmp_path / "station-ca.crt") == ca
    load(tmp_path / "CP-0003.crt").verify_directly_issued_by(ca)
    assert (tmp_path / "server.key").stat().st_mode & 0o077 == 0
