"""A real HTTP proxy in front of a gateway that loses the responses to the
first calls of one procedure after the gateway has answered them: the
command ran, but the client cannot know it."""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

# The request headers a Connect unary call needs passed on.
_FORWARDED = ("content-type", "content-encoding", "accept-encoding", "authorization", "connect-protocol-version", "connect-timeout-ms")


class LossyProxy:
    """Serves on a free loopback port until closed; url is its address."""

    def __init__(self, upstream: str, procedure: str, drop: int) -> None:
        self.procedure = procedure
        """The path whose responses are lost, such as
        /synod.v1.DataService/Propose."""
        self.drop = drop
        """How many responses to it are still to be lost."""
        self.sent = 0
        """How many calls of procedure reached the gateway."""
        self._lock = threading.Lock()
        self._upstream = urlparse(upstream).netloc
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        """Stops serving."""
        self._server.shutdown()
        self._server.server_close()

    def _lose(self, path: str) -> bool:
        """Counts a call of path, and says whether to lose its response."""
        with self._lock:
            if path != self.procedure:
                return False
            self.sent += 1
            self.drop -= 1
            return self.drop >= 0

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {k: v for k, v in self.headers.items() if k.lower() in _FORWARDED}
                conn = http.client.HTTPConnection(proxy._upstream, timeout=120)
                try:
                    conn.request("POST", self.path, body=body, headers=headers)
                    res = conn.getresponse()
                    data = res.read()
                finally:
                    conn.close()
                if proxy._lose(self.path):
                    self.close_connection = True  # no answer: the connection just ends
                    return
                self.send_response(res.status)
                for k, v in res.getheaders():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(k, v)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet

        return Handler
