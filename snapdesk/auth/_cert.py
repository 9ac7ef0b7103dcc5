"""A self-signed certificate for an https loopback redirect, made on this device.

Generated once (EC P-256, valid for 127.0.0.1, ::1 and localhost) and cached in
`<config_dir>/loopback-tls/` with the private key readable by the user only. Regenerated when
missing, unreadable or close to expiry.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import os
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography import x509

__all__ = ["LoopbackCertificate", "loopback_certificate", "server_ssl_context"]

log = logging.getLogger(__name__)

CERT_DIR = "loopback-tls"
VALID_DAYS = 825
RENEW_BEFORE = dt.timedelta(days=30)


@dataclass(frozen=True)
class LoopbackCertificate:
    cert_path: Path
    key_path: Path
    sha256_fingerprint: str  # "AB:CD:..." as browsers show it


def loopback_certificate(config_dir: Path) -> LoopbackCertificate:
    """The cached certificate, made (or remade) when needed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    folder = config_dir / CERT_DIR
    cert_path = folder / "cert.pem"
    key_path = folder / "key.pem"
    cert: x509.Certificate | None = None
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert_path, key_path)
        if cert.not_valid_after_utc - dt.datetime.now(dt.UTC) < RENEW_BEFORE:
            cert = None
    except (OSError, ValueError, ssl.SSLError):
        cert = None
    if cert is None:
        cert = _generate(folder, cert_path, key_path)
    fingerprint = cert.fingerprint(hashes.SHA256()).hex().upper()
    return LoopbackCertificate(
        cert_path=cert_path,
        key_path=key_path,
        sha256_fingerprint=":".join(fingerprint[i : i + 2] for i in range(0, len(fingerprint), 2)),
    )


def server_ssl_context(certificate: LoopbackCertificate) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certificate.cert_path, certificate.key_path)
    return context


def _generate(folder: Path, cert_path: Path, key_path: Path) -> x509.Certificate:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    log.info("creating a self-signed certificate for the https sign-in redirect in %s", folder)
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "snapdesk sign-in (this device)")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                    x509.DNSName("localhost"),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_private(key_path, key_bytes)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
