"""A temporary self-signed pair for nginx to start on, until the CA's certificate is issued.

    python3 self-signed.py <folder> <hostname> [days]

Writes <folder>/fullchain.pem and <folder>/privkey.pem (ECDSA P-256, valid `days`, default 30)
for the host name plus localhost and 127.0.0.1, as scripts/make-cert.sh does. Run by
deploy/certbot/certbot.sh in the certbot image, which has Python and the cryptography package
(certbot's own dependency) but no openssl command.
"""

import datetime
import ipaddress
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def main() -> None:
    folder, host = sys.argv[1], sys.argv[2]
    days = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName(host)] if host != "localhost" else []
    names += [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(key, hashes.SHA256())
    )
    os.makedirs(folder, exist_ok=True)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Key first, then the certificate: nginx's watcher reloads on the certificate's change.
    write(os.path.join(folder, "privkey.pem"), key_pem, 0o600)
    write(os.path.join(folder, "fullchain.pem"), cert.public_bytes(serialization.Encoding.PEM), 0o644)


def write(path: str, data: bytes, mode: int) -> None:
    temp = f"{path}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(temp, mode)
    os.replace(temp, path)


if __name__ == "__main__":
    main()
