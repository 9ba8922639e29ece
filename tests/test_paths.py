"""Where config.json and the data directory go, for Linux and Windows rules."""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

from meetroom.core import paths


def test_linux_config_dir_per_product_and_instance():
    assert paths.documented_config_dir("room", "default", "linux", {}) == PurePosixPath(
        "/opt/trueconf/room/var/lib/room/default"
    )
    assert paths.documented_config_dir("videosdk", "lobby", "linux", {}) == PurePosixPath(
        "/opt/trueconf/videosdk/var/lib/room/lobby"
    )


def test_windows_config_dir_uses_program_data():
    assert paths.documented_config_dir("room", "default", "win32", {}) == PureWindowsPath(
        r"C:\ProgramData\TrueConf\Room\web\default"
    )
    env = {"ProgramData": r"D:\Data"}
    assert paths.documented_config_dir("videosdk", "hall", "win32", env) == PureWindowsPath(
        r"D:\Data\TrueConf\VideoSDK\web\hall"
    )


def test_default_data_dirs_differ_per_instance_and_product():
    env = {"HOME": "/home/u"}
    a = paths.default_data_dir("room", "default", "linux", env)
    b = paths.default_data_dir("room", "hall", "linux", env)
    c = paths.default_data_dir("videosdk", "default", "linux", env)
    assert len({a, b, c}) == 3
    assert a == PurePosixPath("/home/u/.local/share/meetroom/room/default")
    assert paths.default_data_dir("room", "x", "linux", {"XDG_DATA_HOME": "/d"}) == PurePosixPath("/d/meetroom/room/x")
    win = paths.default_data_dir("room", "x", "win32", {"LOCALAPPDATA": r"C:\Users\u\AppData\Local"})
    assert win == PureWindowsPath(r"C:\Users\u\AppData\Local\meetroom\room\x")


def test_config_path_prefers_documented_dir_and_falls_back(monkeypatch, tmp_path):
    documented = tmp_path / "opt"
    monkeypatch.setattr(paths, "documented_config_dir", lambda *a: documented)
    monkeypatch.setattr(paths, "_writable_dir", lambda p: True)
    assert paths.config_json_path("room", "default", tmp_path / "data", False) == documented / "config.json"
    monkeypatch.setattr(paths, "_writable_dir", lambda p: False)
    assert paths.config_json_path("room", "default", tmp_path / "data", False) == tmp_path / "data" / "config.json"
    # --data-dir always wins
    monkeypatch.setattr(paths, "_writable_dir", lambda p: True)
    assert paths.config_json_path("room", "default", tmp_path / "d2", True) == tmp_path / "d2" / "config.json"


def test_unwritable_dir_is_detected(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert paths._writable_dir(blocker / "sub") is False
    assert paths._writable_dir(tmp_path / "ok") is True


def test_write_config_json_replaces_atomically(tmp_path):
    target = tmp_path / "c" / "config.json"
    paths.write_config_json(target, 1, 2)
    paths.write_config_json(target, 3, 4)
    assert target.read_text() == (
        '{"config": {"websocket": {"hostname": null, "port": 3}, "http": {"hostname": null, "port": 4}}}'
    )
    assert sorted(p.name for p in Path(target.parent).iterdir()) == ["config.json"]
