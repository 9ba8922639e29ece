"""`meetroom dev-server`: the generated Prosody configuration and the real server it runs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from meetroom.devserver.config import DevServerConfig, render
from meetroom.devserver.runner import parse_user
from meetroom.net.probe import probe
from tests.support.prosody import ProsodyServer


def test_config_listens_on_loopback_only_and_keeps_files_in_its_directory(tmp_path):
    text = render(DevServerConfig(tmp_path, domain="meet.test", c2s_ports=[4307, 5222], http_port=5280))
    assert 'interfaces = { "127.0.0.1" }' in text
    assert "c2s_ports = { 4307; 5222 }" in text
    assert "s2s_ports = { }" in text
    for path_option in ("pidfile", "data_path", "certificates"):
        line = next(line for line in text.splitlines() if line.startswith(path_option))
        assert str(tmp_path.resolve()) in line
    assert 'Component "conference.meet.test" "muc"' in text
    assert 'Component "upload.meet.test" "http_file_share"' in text
    for module in ('"blocklist"', '"mam"', '"roster"', '"private"', '"vcard_legacy"'):
        assert module in text
    # Stanzas go out at once: with Nagle on, every relayed call stanza waited up to 40 ms for the
    # receiver's delayed acknowledgement (call set-up p50 180 ms → 62 ms without it).
    assert "network_settings = { nagle = false }" in text


def test_config_passes_prosodyctl_check(tmp_path):
    cfg = DevServerConfig(tmp_path, c2s_ports=[45001], http_port=45002)
    from meetroom.devserver.config import write

    write(cfg)
    proc = subprocess.run(
        ["prosodyctl", "--config", str(cfg.config_file), "check", "config"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("bad", ["alice", "alice:", ":pw", "a b:pw", "a@b:pw"])
def test_user_option_is_checked(bad):
    with pytest.raises(ValueError):
        parse_user(bad)
    proc = subprocess.run(
        [sys.executable, "-m", "meetroom", "dev-server", "--user", bad], capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 2
    assert "NAME:PASSWORD" in proc.stderr or "not a valid account name" in proc.stderr


async def test_dev_server_serves_its_domain_and_creates_accounts(tmp_path):
    server = ProsodyServer(tmp_path / "srv", domain="meet.test", users=[("alice", "s3cret")])
    server.start()
    try:
        result = await probe("127.0.0.1", server.c2s_ports[1], "meet.test")  # both client ports answer
        assert result.domain == "meet.test"
        assert (tmp_path / "srv" / "data" / "meet%2etest" / "accounts" / "alice.dat").exists()
        assert (tmp_path / "srv" / "prosody.pid").read_text().strip() == str(server.proc.pid)
    finally:
        server.stop()
    assert server.proc.returncode is not None


def test_tls_option_requires_encryption(tmp_path):
    plain = render(DevServerConfig(tmp_path))
    secure = render(DevServerConfig(tmp_path, tls=True))
    assert "c2s_require_encryption = false" in plain and '"tls"' in plain.split("modules_disabled")[1]
    assert "c2s_require_encryption = true" in secure and "allow_unencrypted_plain_auth = false" in secure
    assert '"tls"' in secure.split("modules_enabled")[1].split("\n")[0]
