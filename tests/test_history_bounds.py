"""Chat, call and file-transfer history keep at most their limit; the oldest go first (issue 13, item 9)."""

from __future__ import annotations

from meetroom.calls.causes import Record
from meetroom.calls.history import CallHistory
from meetroom.core.settings import BY_NAME
from meetroom.net.chatstore import INCOMING as CHAT_IN
from meetroom.net.chatstore import ChatStore
from meetroom.store.db import Store
from meetroom.store.files import FileStore


def test_chat_history_drops_the_oldest_past_its_limit(tmp_path):
    limit = [100]
    chats = ChatStore(tmp_path / "db.sqlite3", limit=lambda: limit[0])
    for i in range(1000):  # a message flood from two peers
        assert chats.add("me@x", f"peer{i % 2}@x", CHAT_IN, f"m{i}", float(i), [f"id-{i}"])
    assert chats.count() == 100
    newest = chats.last_messages("me@x", "peer1@x", 0, 1000) + chats.last_messages("me@x", "peer0@x", 0, 1000)
    assert sorted(int(m.text[1:]) for m in newest) == list(range(900, 1000))
    # recent duplicates are still recognised
    assert not chats.add("me@x", "peer1@x", CHAT_IN, "m999", 999.0, ["id-999"])
    limit[0] = 10  # a lower setting takes effect at the next message
    chats.add("me@x", "peer0@x", CHAT_IN, "last", 2000.0, ["id-last"])
    assert chats.count() == 10
    chats.close()


class _Discard:
    def publish(self, event: str, fields: dict | None = None, *, admin_only: bool = False) -> None:
        return None


def test_call_history_drops_the_oldest_past_its_limit(tmp_path):
    history = CallHistory(Store(tmp_path / "db.sqlite3"), _Discard(), limit=50)
    for i in range(500):
        history.add(Record.INCOMING, f"u{i}@x", f"U{i}", "", 1000.0 + i, 1)
    assert history.count() == 50
    entries = history.recent(1000)
    assert [e["peerId"] for e in entries] == [f"u{i}@x" for i in range(499, 449, -1)]


def test_uploaded_files_drop_the_oldest_that_is_not_shown(tmp_path):
    files = FileStore(Store(tmp_path / "db.sqlite3"), tmp_path / "files", limit=3)
    ids = []
    for i in range(3):
        file_id, temp = files.new_upload()
        temp.write_bytes(b"x")
        ids.append(files.commit(file_id, temp, f"f{i}.png", 1, "image/png").id)
    files.in_use = lambda file_id: file_id == ids[0]  # the oldest is the background: it stays
    file_id, temp = files.new_upload()
    temp.write_bytes(b"y")
    newest = files.commit(file_id, temp, "f3.png", 1, "image/png").id
    kept = [r.id for r in files.all()]
    assert kept == [ids[0], ids[2], newest]
    assert not files.path(ids[1]).exists()


def test_limits_are_admin_only_settings():
    for name in ("chatHistoryLimit", "callHistoryLimit", "uploadedFilesLimit"):
        assert BY_NAME[name].admin_only and BY_NAME[name].default >= 100
