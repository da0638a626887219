"""Test helpers shipped with the metrics package: the real node_exporter on a loopback port.

Other packages' tests (infra, e2e) can reuse `NodeExporter` to check what they export.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from types import TracebackType

#: The binary's names: Debian's package installs ``prometheus-node-exporter``.
BINARIES = ("prometheus-node-exporter", "node_exporter")


def find_node_exporter() -> str | None:
    """The node_exporter binary on PATH, or None."""
    for name in BINARIES:
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class NodeExporter:
    """node_exporter with only its textfile collector, on 127.0.0.1, for one test.

    Use as a context manager; `scrape` returns its ``/metrics`` text.
    """

    def __init__(self, textfile_dir: Path, *, binary: str | None = None) -> None:
        found = binary or find_node_exporter()
        if found is None:
            raise FileNotFoundError("node_exporter is not installed (prometheus-node-exporter)")
        self.binary = found
        self.textfile_dir = textfile_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/metrics"
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> NodeExporter:
        self._proc = subprocess.Popen(
            [
                self.binary,
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--collector.disable-defaults",
                "--collector.textfile",
                f"--collector.textfile.directory={self.textfile_dir}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                self.scrape()
                return self
            except OSError:
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    self.__exit__(None, None, None)
                    raise RuntimeError("node_exporter did not start listening") from None
                time.sleep(0.05)

    def scrape(self) -> str:
        """node_exporter's ``/metrics`` response body."""
        with urllib.request.urlopen(self.url, timeout=5) as response:
            return str(response.read().decode())

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._proc.stderr is not None:
                self._proc.stderr.close()
            self._proc = None
