"""The test suite's own network guard (tests/conftest.py): nothing reaches a host but this machine."""

import socket

import pytest


def test_the_network_guard_refuses_other_hosts() -> None:
    with pytest.raises(socket.gaierror, match=r"tests may only reach 127\.0\.0\.1"):
        socket.getaddrinfo("api.telegram.org", 443)
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError, match=r"not 149\.154\.167\.220"):
        sock.connect(("149.154.167.220", 443))
