"""A conference that starts loads the media stack in a worker thread, so the event loop keeps
running while it loads and the first leg finds it ready. Run in a fresh interpreter: the test
process has loaded aiortc long ago."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent(
    """
    import asyncio, sys, time
    from meetroom.calls.conference import mesh

    class Media:
        def on_mute_change(self, hook):
            pass

    async def main():
        topology = mesh.MeshTopology(Media(), None, None, lambda: "", lambda: None)
        assert "aiortc" not in sys.modules and "av" not in sys.modules, "loaded before the conference"
        ticks, longest = 0, 0.0
        start = time.perf_counter()
        topology.prepare()
        topology.prepare()  # a second Join while loading changes nothing
        warming = topology._warming
        assert warming is not None
        last = time.perf_counter()
        while not warming.done():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            ticks, longest, last = ticks + 1, max(longest, now - last), now
        await warming
        total = time.perf_counter() - start
        assert all(name in sys.modules for name in mesh.MEDIA_MODULES) and "aiortc" in sys.modules
        topology._warming = None
        topology.prepare()  # loaded: nothing more to do
        assert topology._warming is None
        print(ticks, round(longest, 3), round(total, 3))

    asyncio.run(main())
    """
)


def test_prepare_loads_the_media_stack_off_the_event_loop():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    ticks, longest, total = done.stdout.split()
    # the loop ran on while the modules loaded (an import on the loop would be one pause as long as the load)
    assert int(ticks) >= 5, done.stdout
    assert float(longest) < float(total) / 2, done.stdout
