"""Run the embedded demo: daphne, a Celery worker with beat, and a demo shop page.

`make run` calls this after `migrate` and `demo_setup`. Everything runs on this
machine with no services: SQLite, the in-memory channel layer (one daphne
process) and Celery's file-system broker under VAR_DIR.

Ctrl-C or SIGTERM stops the children; if one of them dies, the others are
stopped too and the command exits non-zero.
"""

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEMO_SITE_NAME = "Demo shop"
ASGI_APPLICATION = "chatplatform.asgi:application"
CELERY_WORKER_ARGS = ["-A", "chatplatform", "worker", "-B", "--concurrency", "1", "--loglevel", "INFO"]
STOP_TIMEOUT_SECONDS = 10
READY_TIMEOUT_SECONDS = 30

HOST_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo shop</title>
<style>
  body {{ font-family: system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }}
  header {{ background: #234; color: #fff; padding: 1rem 2rem; }}
  main {{ max-width: 56rem; margin: 2rem auto; padding: 0 1rem; }}
  .products {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: 1rem; }}
  .product {{ background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 1rem; }}
  .price {{ font-weight: bold; }}
  footer {{ color: #666; font-size: .85rem; margin: 3rem auto; max-width: 56rem; padding: 0 1rem; }}
</style>
</head>
<body>
<header><h1>Demo shop</h1><p>A customer's website that embeds the chat widget.</p></header>
<main>
  <p>Questions about an order? Open the chat in the bottom corner.</p>
  <div class="products">
    <div class="product"><h2>Blue mug</h2><p>Stoneware, 300 ml.</p><p class="price">&euro; 12.00</p></div>
    <div class="product"><h2>Tea towel</h2><p>Linen, 50 &times; 70 cm.</p>
      <p class="price">&euro; 9.50</p></div>
    <div class="product"><h2>Teapot</h2><p>Cast iron, 0.8 l.</p><p class="price">&euro; 39.00</p></div>
  </div>
</main>
<footer>Served by <code>manage.py run_embedded</code> from {host_origin};
  the widget comes from {public_url}.</footer>
<script src="{public_url}/widget.js" data-site-key="{site_key}" async></script>
</body>
</html>
"""


def _child_preexec() -> None:
    """Run in each child before exec: own session, and die with this process.

    The own session keeps a terminal's Ctrl-C from reaching the children
    directly, so each gets exactly one SIGTERM from us (a second signal makes
    Celery do a cold shutdown). PR_SET_DEATHSIG covers us being SIGKILLed.
    """
    os.setsid()
    if sys.platform == "linux":
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class Command(BaseCommand):
    help = (
        "Serve the embedded demo: daphne on --port, a Celery worker with beat, and a demo "
        "host page that embeds the widget on --host-page-port. Run `manage.py demo_setup` first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="daphne's port (default 8000)")
        parser.add_argument(
            "--host-page-port", type=int, default=8001, help="the demo shop page's port (default 8001)"
        )
        parser.add_argument("--site-key", help=f"embed this site instead of the {DEMO_SITE_NAME!r} site")
        parser.add_argument("--no-celery", action="store_true", help="do not start the Celery worker")

    def handle(self, *args, port, host_page_port, site_key, no_celery, **options):
        site_key = site_key or self._demo_site_key()
        public_url = os.environ.get("PUBLIC_URL") or f"http://localhost:{port}"
        host_origin = f"http://localhost:{host_page_port}"
        self._warn_if_origin_not_allowed(site_key, host_origin)

        env = os.environ.copy()
        env.setdefault("DEBUG", "1")  # the embedded mode; SECRET_KEY comes from .env
        env["PUBLIC_URL"] = public_url
        env["PYTHONUNBUFFERED"] = "1"

        children: dict[str, subprocess.Popen] = {}
        stop_requested = threading.Event()

        def request_stop(signum, frame):
            stop_requested.set()

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)

        settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns without it
        host_page_server = None
        exit_code = 0
        try:
            children["daphne"] = self._spawn(
                # No access log: each line would carry the visitor's IP address.
                [
                    sys.executable,
                    "-m",
                    "daphne",
                    "-b",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "--access-log",
                    os.devnull,
                    # The transport limit (docs/protocol.md, "Errors"): larger messages close with 1009.
                    "--websocket-max-message-size",
                    "1048576",
                    "--websocket-max-frame-size",
                    "1048576",
                    ASGI_APPLICATION,
                ],
                env,
            )
            if not no_celery:
                children["celery"] = self._spawn([sys.executable, "-m", "celery", *CELERY_WORKER_ARGS], env)
            host_page_server = self._serve_host_page(
                host_page_port,
                HOST_PAGE.format(
                    public_url=escape(public_url), site_key=escape(site_key), host_origin=escape(host_origin)
                ),
            )
            if self._wait_until_ready(f"http://127.0.0.1:{port}/healthz", children, stop_requested):
                self._print_urls(public_url, host_origin, site_key, no_celery)
            exit_code = self._supervise(children, stop_requested)
        finally:
            if host_page_server is not None:
                host_page_server.shutdown()
                host_page_server.server_close()
            self._stop_children(children)
        if exit_code:
            raise CommandError("Stopped because a child process exited.", returncode=exit_code)

    def _demo_site_key(self) -> str:
        from accounts.models import Site

        site = Site.objects.filter(name=DEMO_SITE_NAME).order_by("pk").first()
        if site is None:
            raise CommandError(
                f"No site named {DEMO_SITE_NAME!r}. Run `manage.py demo_setup` first, or pass --site-key."
            )
        return site.key

    def _warn_if_origin_not_allowed(self, site_key: str, origin: str) -> None:
        from accounts.models import Site

        site = Site.objects.filter(key=site_key).first()
        if site is None:
            raise CommandError(f"No site with key {site_key!r}.")
        if not site.allows_origin(origin):
            self.stderr.write(
                self.style.WARNING(
                    f"Site {site.name!r} does not allow the origin {origin}: the widget on the demo page "
                    "will not connect. Add it to the site's allowed origins."
                )
            )

    def _spawn(self, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        return subprocess.Popen(argv, env=env, cwd=settings.BASE_DIR, preexec_fn=_child_preexec)

    def _serve_host_page(self, port: int, html: str) -> ThreadingHTTPServer:
        body = html.encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path.split("?", 1)[0] not in ("/", "/index.html"):
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format, *args):
                pass  # visitors' IPs stay out of the log

        try:
            server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        except OSError as exc:
            raise CommandError(f"Cannot serve the demo page on port {port}: {exc}") from exc
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name="host-page", daemon=True).start()
        return server

    def _wait_until_ready(self, url: str, children: dict, stop_requested: threading.Event) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline and not stop_requested.is_set():
            if any(p.poll() is not None for p in children.values()):
                return False
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
            stop_requested.wait(0.3)
        if not stop_requested.is_set():
            self.stderr.write(self.style.WARNING(f"{url} did not answer within {READY_TIMEOUT_SECONDS} s."))
        return False

    def _print_urls(self, public_url: str, host_origin: str, site_key: str, no_celery: bool) -> None:
        lines = [
            "",
            f"  Chat server      {public_url}/",
            f"  Agent dashboard  {public_url}/dashboard/",
            f"  Demo shop page   {host_origin}/   (embeds the widget of site {site_key})",
            "  Celery           " + ("not started (--no-celery)" if no_celery else "worker with beat"),
            "",
            "  Press Ctrl-C to stop.",
            "",
        ]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))

    def _supervise(self, children: dict, stop_requested: threading.Event) -> int:
        while not stop_requested.is_set():
            for name, process in children.items():
                code = process.poll()
                if code is not None:
                    self.stderr.write(self.style.ERROR(f"{name} exited with code {code}; stopping."))
                    return code if code > 0 else 1
            stop_requested.wait(0.5)
        return 0

    def _stop_children(self, children: dict) -> None:
        for process in children.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for name, process in children.items():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(self.style.WARNING(f"{name} did not stop in time; killing it."))
                try:
                    os.killpg(process.pid, signal.SIGKILL)  # also its pool / beat children
                except ProcessLookupError:
                    pass
                process.wait()
