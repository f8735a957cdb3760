"""No test reaches beyond loopback: the guard itself is tested, not assumed."""

import socket

import pytest
from pytest_socket import SocketConnectBlockedError


def test_connection_outside_loopback_fails() -> None:
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("192.0.2.1", 80), timeout=1)


def test_loopback_is_allowed() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    server.close()
