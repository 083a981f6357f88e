"""TLS with certificate verification, as a team library on a managed server is reached: libpq
(psycopg's own) verifies the server's certificate against the CA named in the URL
(`sslmode=verify-full&sslrootcert=…`) and its host name.

The test server (pgserver's PostgreSQL) is built without OpenSSL, so TLS ends in front of it:
a small proxy answers PostgreSQL's SSLRequest, does the TLS handshake with a certificate made
here by a CA made here, and passes the bytes on to the server's Unix socket. Everything the
client does is what it does against a TLS server: the handshake, the verification, the
session."""

from __future__ import annotations

import datetime
import socket
import ssl
import struct
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from desktop_app.application.team import TeamLibraries
from desktop_app.services.store.postgres.connection import TeamLibraryError, connect

SSL_REQUEST, GSS_REQUEST = 80877103, 80877104


def _certificates(folder: Path, name: str) -> tuple[Path, Path, Path]:
    """A CA, and a server certificate it signed for the host `name`: (ca.pem, cert, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def made(subject: str, key: ec.EllipticCurvePrivateKey, issuer: tuple | None, ca: bool):
        issuer_name, issuer_key = issuer or (subject, key)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
            )
        return builder.sign(issuer_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = made(f"{folder.name} CA", ca_key, None, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = made(name, key, (f"{folder.name} CA", ca_key), ca=False)
    folder.mkdir()
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "server.pem").write_bytes(cert.public_bytes(pem))
    (folder / "server.key").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return folder / "ca.pem", folder / "server.pem", folder / "server.key"


class TlsFront:
    """Listens on 127.0.0.1; each connection: TLS as PostgreSQL negotiates it, then piped to
    the server's Unix socket."""

    def __init__(self, unix_socket: str, cert: Path, key: Path) -> None:
        self._unix = unix_socket
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._context.load_cert_chain(cert, key)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self._open:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            while True:
                length, code = struct.unpack("!ii", client.recv(8, socket.MSG_WAITALL))
                if code == GSS_REQUEST:
                    client.sendall(b"N")  # no GSS encryption: the client asks for TLS next
                    continue
                assert (length, code) == (8, SSL_REQUEST), "the client must ask for TLS"
                client.sendall(b"S")
                break
            secure = self._context.wrap_socket(client, server_side=True)
        except (OSError, AssertionError, struct.error):
            client.close()  # the client refused our certificate (the point of some tests)
            return
        with secure, socket.socket(socket.AF_UNIX) as server:
            server.connect(self._unix)
            back = threading.Thread(target=_pipe, args=(server, secure), daemon=True)
            back.start()
            _pipe(secure, server)
            back.join(5)

    def close(self) -> None:
        self._open = False
        self._listener.close()


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, target):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@pytest.fixture
def tls_server(postgres: str, tmp_path: Path) -> Iterator[tuple[int, Path, Path]]:
    """(port, the CA that signed the server's certificate, another CA)."""
    folder = parse_qs(urlsplit(postgres).query)["host"][0]
    port = urlsplit(postgres).port or 5432
    ca, cert, key = _certificates(tmp_path / "good", "localhost")
    other_ca, _, _ = _certificates(tmp_path / "other", "localhost")
    front = TlsFront(f"{folder}/.s.PGSQL.{port}", cert, key)
    yield front.port, ca, other_ca
    front.close()


def test_a_server_certificate_is_verified_and_the_session_is_encrypted(tls_server, postgres):
    port, ca, _ = tls_server
    url = f"postgresql://postgres@localhost:{port}/postgres?sslmode=verify-full&sslrootcert={ca}"
    with connect(url) as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)
        assert connection.pgconn.ssl_in_use


def test_a_certificate_of_another_ca_or_host_is_refused_in_one_line(tls_server):
    port, ca, other_ca = tls_server
    wrong = {
        "another CA": f"localhost:{port}/postgres?sslmode=verify-full&sslrootcert={other_ca}",
        "another host": f"127.0.0.1:{port}/postgres?sslmode=verify-full&sslrootcert={ca}",
    }
    for case, rest in wrong.items():
        with pytest.raises(TeamLibraryError) as refused:
            connect(f"postgresql://postgres@{rest}")
        said = str(refused.value)
        assert "cannot reach the team library" in said and "\n" not in said, case
        assert "certificate" in said or "does not match host name" in said, (case, said)


def test_a_team_library_is_made_and_added_over_verified_tls(tls_server, team_database, tmp_path):
    port, ca, _ = tls_server
    database = urlsplit(team_database).path
    admin = f"postgresql://postgres@localhost:{port}{database}?sslmode=verify-full&sslrootcert={ca}"
    teams = TeamLibraries(tmp_path / "data")
    urls = teams.init(admin)
    assert "sslmode=verify-full" in urls.member_url  # the roles' URLs keep the TLS options
    state = teams.add("lab", urls.member_url)
    assert state.role == "member" and state.documents == 0
    assert "sslrootcert" in teams.libraries()[0].url


def test_the_proxy_does_not_speak_plain_text(tls_server):
    """The front refuses a client that does not ask for TLS: the tests above went through TLS."""
    port, _, _ = tls_server
    with pytest.raises(TeamLibraryError):
        connect(f"postgresql://postgres@localhost:{port}/postgres?sslmode=disable")
