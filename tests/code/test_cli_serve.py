"""The multi-worker service's listening socket: connections it accepts have Nagle's algorithm off."""

from __future__ import annotations

import socket

import uvicorn

from denial_ml.cli.serve import APP, bind_nodelay_socket
from denial_ml.service.testing import free_port


def test_connections_accepted_by_the_workers_socket_have_tcp_nodelay():
    config = uvicorn.Config(APP, factory=True, host="127.0.0.1", port=free_port(), workers=2)
    listener = bind_nodelay_socket(config)
    try:
        assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        listener.listen(1)  # what each worker's server does with it
        with socket.create_connection(listener.getsockname()[:2], timeout=5):
            accepted, _ = listener.accept()
            with accepted:
                # What asyncio would not set on it (uvicorn's socket has proto 0): ~40 ms per keep-alive response.
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        listener.close()


def test_uvicorns_own_socket_lacks_it_so_the_fix_is_needed():
    """A canary: when a uvicorn release sets TCP_NODELAY itself, this fails and `bind_nodelay_socket` can go."""
    config = uvicorn.Config(APP, factory=True, host="127.0.0.1", port=free_port(), workers=2)
    listener = config.bind_socket()
    try:
        listener.listen(1)
        with socket.create_connection(listener.getsockname()[:2], timeout=5):
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
                assert accepted.proto == 0  # so asyncio's _set_nodelay (which wants IPPROTO_TCP) skips it
    finally:
        listener.close()
