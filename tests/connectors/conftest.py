import socket

import pytest

PUBLIC_ADDRESS = "93.184.216.34"


@pytest.fixture(autouse=True)
def dns(monkeypatch) -> dict[str, str | list[str]]:
    """What host names resolve to in these tests, answered without the network.

    Saving a connector resolves its callback URL's host (connectors.destinations), and the suite's
    callback URLs are under example.com, which must resolve to a public address for them to be accepted.
    Here example.com and every name under it resolve to a public address; a test adds its own names,
    ``dns["intranet.example"] = "10.0.0.5"``. Addresses (2130706433 and ``::1`` too) and localhost are
    answered by the real resolver, which needs no network for them; any other name does not resolve.
    """
    answers: dict[str, str | list[str]] = {"example.com": PUBLIC_ADDRESS}
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        for name, addresses in answers.items():
            if isinstance(host, str) and (host == name or host.endswith(f".{name}")):
                addresses = [addresses] if isinstance(addresses, str) else addresses
                return [info for a in addresses for info in real_getaddrinfo(a, port, family, type, proto, flags)]
        if host not in (None, "localhost"):
            flags |= socket.AI_NUMERICHOST
        return real_getaddrinfo(host, port, family, type, proto, flags)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers
