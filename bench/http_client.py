"""CPU per outbound request: the services' client (httpx over aiohttp) vs httpx's own pool.

    uv run python bench/http_client.py [--requests 5000] [--in-flight 8]

Both clients POST the same small JSON body to the same loopback server (``loopback.py``, in
this process) with `--in-flight` requests outstanding, as a sender does; the figure is this
process's CPU time per request (client and server together, the server's share being the
same for both), and the wall-clock rate. httpx's default pool is the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time

import httpx
from loopback import serve
from onebox_service import outbound_client

ANSWER = (
    b'{"messaging_product":"whatsapp","contacts":[{"input":"16505551234","wa_id":"16505551234"}],'
    b'"messages":[{"id":"wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI"}]}'
)


def handler(method: str, path: str, headers: dict[str, str], body: bytes):  # type: ignore[no-untyped-def]
    return 200, {"Content-Type": "application/json"}, ANSWER


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(
    http: httpx.AsyncClient, url: str, requests: int, in_flight: int
) -> tuple[float, float]:
    limit = asyncio.Semaphore(in_flight)
    body = {
        "messaging_product": "whatsapp",
        "to": "16505551234",
        "type": "text",
        "text": {"body": "hi"},
    }

    async def one() -> None:
        async with limit:
            response = await http.post(url, json=body, headers={"Authorization": "Bearer t"})
            response.raise_for_status()
            response.json()

    await asyncio.gather(*(one() for _ in range(200)))  # warm: connections open
    cpu0, wall0 = cpu(), time.perf_counter()
    await asyncio.gather(*(one() for _ in range(requests)))
    cpu1, wall1 = cpu(), time.perf_counter()
    return (cpu1 - cpu0) / requests * 1e6, requests / (wall1 - wall0)


async def main(requests: int, in_flight: int) -> None:
    server = await serve(handler)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/v21.0/1065/messages"
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=10)
    results = {}
    for name, client in (
        ("httpx default pool", httpx.AsyncClient(limits=limits)),
        ("outbound_client", outbound_client(limits=limits)),
    ):
        async with client:
            results[name] = await measure(client, url, requests, in_flight)
    server.close()
    base_cpu = results["httpx default pool"][0]
    print(f"{requests} POSTs, {in_flight} in flight, client and loopback server in one process")
    print(f"{'':22}{'CPU us/request':>16}{'requests/s':>12}{'CPU ratio':>11}")
    for name, (us, rate) in results.items():
        print(f"{name:22}{us:>16.0f}{rate:>12.0f}{us / base_cpu:>11.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--in-flight", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.in_flight))
