from tests.support.api import client
from tests.support.server import ShipyardServer


def test_health(server: ShipyardServer) -> None:
    with client(server) as http:
        assert http.get("/healthz").status_code == 204
