"""The Docker image holds what the server needs; Compose hides daphne behind its proxy (issue 12).

Observed before: the Dockerfile copied a hand-written list of folders that had
lost `integrations/` and `locale/`, so the image could not start
(`ModuleNotFoundError: No module named 'integrations'`); daphne ran with
`--proxy-headers` and compose.yaml published it on all interfaces, so any
client chose its own address with `X-Forwarded-For`.

No image is built here (.ci/run builds one where a Docker daemon answers), so
these tests compute what a build would put into it: the repository's files
(git ls-files, with untracked files that git does not ignore), less
docker/Dockerfile.dockerignore as BuildKit reads it (moby's patternmatcher:
last matching rule wins, a rule on a folder covers what is in it), placed by
the Dockerfile's COPY instructions relative to its WORKDIR. Every top-level
package, locale/ with its .mo files, templates/ and static/ must land there;
tests/ and bench/ must not, and nothing shipped may import them.

The server is then started from those files alone, as the image's CMD would.

`docker compose config` (or the Debian `docker-compose`) validates the Compose
file where one is installed, and `caddy adapt --validate` the Caddyfile; with
CHAT_REQUIRE_ALL=1 a missing one fails, as in CI.
"""

import ast
import html
import ipaddress
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import polib
import pytest
import yaml

from tests.live import BASE_DIR, free_port, require

DOCKER_DIR = BASE_DIR / "docker"
DOCKERFILE = DOCKER_DIR / "Dockerfile"
DOCKERIGNORE = DOCKER_DIR / "Dockerfile.dockerignore"
COMPOSE_FILE = DOCKER_DIR / "compose.yaml"
CADDYFILE = DOCKER_DIR / "Caddyfile"
ENV_EXAMPLE = DOCKER_DIR / ".env.example"

# Top-level folders the server reads besides its packages (settings: TEMPLATES DIRS,
# LOCALE_PATHS, STATICFILES_DIRS) and the files it runs from.
DATA_FOLDERS = ["locale", "templates", "static"]
TOP_FILES = ["manage.py", "pyproject.toml"]
# Development only: never in the image, never imported by what is.
NOT_SHIPPED = ["tests", "bench"]
# Local state that sits in a working tree and must stay out of any image: secrets,
# visitors' data, the virtualenv, caches.
LOCAL_STATE = [
    ".env",
    "docker/.env",
    "db.sqlite3",
    "db.sqlite3-journal",
    "db.sqlite3-wal",
    ".venv/bin/python",
    "var/exports/export.zip",
    "var/mail/1.eml",
    "var/celery/out/1.msg",
    "media/agents/photo.png",
    "control/x",
    ".git/HEAD",
    "node_modules/esbuild/package.json",
    "accounts/__pycache__/models.cpython-311.pyc",
    "chatplatform/lib/__pycache__/client_address.cpython-311.pyc",
    "chatplatform.egg-info/PKG-INFO",
    ".pytest_cache/v/cache/lastfailed",
    ".ruff_cache/CACHEDIR.TAG",
    ".hypothesis/constants/x",
]
# App services of compose.yaml (the image's roles); the proxy is the only published one.
APP_SERVICES = ["web", "worker", "beat", "migrate"]
PROXY_SERVICE = "proxy"


# --- The build context: the repository less the ignore file ----------------------------


def _pattern_regex(pattern: str) -> re.Pattern:
    """A .dockerignore pattern as moby's patternmatcher compiles it."""
    out = "^"
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            if pattern[i + 1 : i + 2] == "*":
                i += 1
                if pattern[i + 1 : i + 2] == "/":
                    i += 1
                out += ".*" if i + 1 >= len(pattern) else "(.*/)?"
            else:
                out += "[^/]*"
        elif ch == "?":
            out += "[^/]"
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            out += re.escape(pattern[i])
        elif ch in "[]":
            out += ch
        else:
            out += re.escape(ch)
        i += 1
    return re.compile(out + "$")


@dataclass(frozen=True)
class IgnoreRule:
    regex: re.Pattern
    exclusion: bool  # a `!pattern` line: put matching paths back


def _ignore_rules(text: str) -> list[IgnoreRule]:
    rules = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        exclusion = line.startswith("!")
        pattern = posixpath.normpath(line[1:].strip() if exclusion else line).lstrip("/")
        rules.append(IgnoreRule(_pattern_regex(pattern), exclusion))
    return rules


def _ignored(path: str, rules: list[IgnoreRule]) -> bool:
    """moby's MatchesOrParentMatches: the last rule that matches the path or a parent folder wins."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    matched = False
    for rule in rules:
        if rule.exclusion != matched:
            continue
        if any(rule.regex.match(candidate) for candidate in candidates):
            matched = not rule.exclusion
    return matched


def _git(*args: str) -> str:
    git = shutil.which("git")
    if git is None or not (BASE_DIR / ".git").exists():
        pytest.fail("needs git and a git checkout: the build context is computed from `git ls-files`")
    return subprocess.run(
        [git, *args], cwd=BASE_DIR, capture_output=True, text=True, check=True, timeout=60
    ).stdout


def _repository_files() -> list[str]:
    """Files a `docker build` of this tree would see, less what git ignores (checked apart)."""
    listed = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    return sorted(path for path in listed if path and (BASE_DIR / path).is_file())


def _context_files() -> list[str]:
    rules = _ignore_rules(DOCKERIGNORE.read_text(encoding="utf-8"))
    return [path for path in _repository_files() if not _ignored(path, rules)]


# --- The Dockerfile -------------------------------------------------------------------------


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    result, pending = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, args = line.partition(" ")
        result.append((keyword.upper(), args.strip()))
    return result


def _exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list), f"expected the JSON (exec) form, got {args!r}"
    return value


@dataclass
class Image:
    files: dict[str, str]  # path in the image -> path in the repository
    workdir: str
    env: dict[str, str]
    user: str | None
    cmd: list[str]
    healthcheck: str | None


def _copy_sources(source: str, context: list[str]) -> tuple[list[tuple[str, str]], bool]:
    """(repository path, path below the destination) for one COPY source, and whether it names a folder."""
    source = posixpath.normpath(source).lstrip("/")
    if source == ".":
        return [(path, path) for path in context], True
    if any(ch in source for ch in "*?["):
        regex = _pattern_regex(source)
        found = []
        for path in context:
            parts = path.split("/")
            for depth in range(1, len(parts) + 1):
                if regex.match("/".join(parts[:depth])):
                    # A matching file goes into the destination, a matching folder's content too.
                    found.append((path, parts[-1] if depth == len(parts) else "/".join(parts[depth:])))
                    break
        return found, True
    if source in context:
        return [(source, posixpath.basename(source))], False
    return [(path, path[len(source) + 1 :]) for path in context if path.startswith(source + "/")], True


def _image(dockerfile: str, context: list[str]) -> Image:
    """What the final stage of `dockerfile` holds of `context`, and how it runs."""
    image = Image(files={}, workdir="/", env={}, user=None, cmd=[], healthcheck=None)
    for keyword, args in _instructions(dockerfile):
        if keyword == "FROM":
            image = Image(files={}, workdir="/", env={}, user=None, cmd=[], healthcheck=None)
        elif keyword == "WORKDIR":
            image.workdir = posixpath.join(image.workdir, args)
        elif keyword == "ENV":
            for name, value in re.findall(r"(\w+)=(\S+)", args):
                image.env[name] = value
        elif keyword == "USER":
            image.user = args
        elif keyword == "CMD":
            image.cmd = _exec_form(args)
        elif keyword == "HEALTHCHECK":
            image.healthcheck = args
        elif keyword in ("COPY", "ADD"):
            words = _exec_form(args) if args.startswith("[") else args.split()
            flags = [word for word in words if word.startswith("--")]
            if any(flag.startswith("--from") for flag in flags):
                continue  # from another stage or image, not from the context
            unknown = [flag for flag in flags if not flag.startswith(("--chown", "--chmod", "--link"))]
            assert not unknown, f"teach this test what {unknown} does to `{keyword} {args}`"
            *sources, dest = [word for word in words if not word.startswith("--")]
            dest_path = posixpath.normpath(posixpath.join(image.workdir, dest))
            for source in sources:
                found, is_folder = _copy_sources(source, context)
                assert found, f"`{keyword} {args}`: {source} is not in the build context"
                into_folder = is_folder or dest.endswith("/") or len(sources) > 1
                for repo_path, relative in found:
                    target = posixpath.join(dest_path, relative) if into_folder else dest_path
                    image.files[posixpath.normpath(target)] = repo_path
    return image


@pytest.fixture(scope="module")
def context() -> list[str]:
    return _context_files()


@pytest.fixture(scope="module")
def image(context) -> Image:
    return _image(DOCKERFILE.read_text(encoding="utf-8"), context)


def _top_level_packages() -> list[str]:
    return sorted(
        {path.split("/")[0] for path in _repository_files() if re.fullmatch(r"[^/]+/__init__\.py", path)}
    )


def _shipped_in(image: Image, folder: str) -> set[str]:
    return {repo for repo in image.files.values() if repo.startswith(folder + "/")}


def _needed(folder: str) -> set[str]:
    """The files of a folder that the server may read: all but tests (<package>/tests/)."""
    return {
        path
        for path in _repository_files()
        if path.startswith(folder + "/") and "/tests/" not in f"/{path}" and "/__pycache__/" not in path
    }


def test_the_test_finds_the_packages_the_image_must_hold():
    packages = _top_level_packages()
    for known in ["accounts", "chatplatform", "conversations", "integrations", "privacy"]:
        assert known in packages
    assert "tests" in packages  # found, so that leaving it out below means something


def test_every_top_level_package_lands_in_the_image_with_all_its_files(image):
    for package in _top_level_packages():
        if package in NOT_SHIPPED:
            continue
        assert f"{image.workdir}/{package}/__init__.py" in image.files, f"{package}/ is not in the image"
        missing = _needed(package) - _shipped_in(image, package)
        assert not missing, f"missing from the image: {sorted(missing)[:10]}"
        for repo_path in _needed(package):
            assert image.files.get(f"{image.workdir}/{repo_path}") == repo_path


def test_locale_templates_and_static_land_where_the_settings_read_them(image):
    for folder in DATA_FOLDERS:
        needed = _needed(folder)
        assert needed, f"{folder}/ holds no file"
        assert needed <= _shipped_in(image, folder), (
            f"missing: {sorted(needed - _shipped_in(image, folder))[:10]}"
        )
        for repo_path in needed:
            assert image.files.get(f"{image.workdir}/{repo_path}") == repo_path
    compiled = {path for path in _shipped_in(image, "locale") if path.endswith(".mo")}
    languages = {path.split("/")[1] for path in _repository_files() if path.endswith(".po")}
    assert {path.split("/")[1] for path in compiled} == languages, "a language's compiled .mo file is missing"
    for name in TOP_FILES:
        assert image.files.get(f"{image.workdir}/{name}") == name


def test_the_image_runs_from_the_folder_it_copied_the_source_to(image):
    assert image.workdir == "/app"
    assert image.env.get("PYTHONPATH") == image.workdir
    assert image.env.get("DJANGO_SETTINGS_MODULE") == "chatplatform.settings"


def test_tests_and_bench_stay_out_of_the_image(image):
    for folder in NOT_SHIPPED:
        assert not _shipped_in(image, folder), f"{folder}/ is in the image"
    assert not [repo for repo in image.files.values() if "/tests/" in f"/{repo}"]


def test_nothing_in_the_image_imports_tests_or_bench(image):
    """So leaving tests/ and bench/ (and the packages' tests/) out cannot break the server."""
    offenders = []
    for repo_path in sorted(set(image.files.values())):
        if not repo_path.endswith(".py"):
            continue
        tree = ast.parse((BASE_DIR / repo_path).read_text(encoding="utf-8"), filename=repo_path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [("." * node.level) + (node.module or "")]
            else:
                continue
            for name in names:
                parts = name.lstrip(".").split(".")
                if (not name.startswith(".") and parts[0] in [*NOT_SHIPPED, "conftest"]) or "tests" in parts:
                    offenders.append(f"{repo_path}:{node.lineno} imports {name}")
    assert not offenders


def test_local_state_and_secrets_never_enter_the_build_context():
    rules = _ignore_rules(DOCKERIGNORE.read_text(encoding="utf-8"))
    assert not [path for path in LOCAL_STATE if not _ignored(path, rules)]
    # And whatever git ignores in this working tree (.venv/, var/, .env, db.sqlite3, caches).
    ignored_here = _git("ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory")
    leaks = [path for path in ignored_here.split("\0") if path and not _ignored(path.rstrip("/"), rules)]
    assert not leaks, f"git ignores these, but a docker build would copy them: {leaks}"


def test_the_ignore_rules_follow_the_builders_matching():
    rules = _ignore_rules("**/__pycache__\ndb.sqlite3*\nvar\n*.egg-info\n!var/keep\n")
    assert _ignored("a/b/__pycache__/c.pyc", rules)
    assert _ignored("__pycache__/c.pyc", rules)
    assert _ignored("db.sqlite3-wal", rules)
    assert not _ignored("x/db.sqlite3", rules)  # no ** : the root only
    assert _ignored("var/mail/1.eml", rules)
    assert not _ignored("var/keep", rules)
    assert _ignored("chatplatform.egg-info/PKG-INFO", rules)
    assert not _ignored("variables.py", rules)


def test_copy_follows_the_builders_placement():
    context = ["a/__init__.py", "a/b.py", "c.txt", "d/e/f.txt"]
    image = _image("FROM x\nWORKDIR /app\nCOPY a ./pkg\nCOPY c.txt ./\nCOPY d /data/\n", context)
    assert image.files == {
        "/app/pkg/__init__.py": "a/__init__.py",
        "/app/pkg/b.py": "a/b.py",
        "/app/c.txt": "c.txt",
        "/data/e/f.txt": "d/e/f.txt",
    }
    image = _image("FROM x AS build\nCOPY . /src\nFROM y\nWORKDIR /app\nCOPY . .\n", context)
    assert sorted(image.files) == ["/app/a/__init__.py", "/app/a/b.py", "/app/c.txt", "/app/d/e/f.txt"]


def test_daphne_ignores_forwarded_headers_and_logs_no_addresses(image):
    assert image.cmd[0] == "daphne"
    assert "--proxy-headers" not in image.cmd
    assert not [arg for arg in image.cmd if arg.startswith("--proxy-headers")]
    assert image.cmd[image.cmd.index("--access-log") + 1] == "/dev/null"
    assert image.cmd[-1] == "chatplatform.asgi:application"


def test_the_server_runs_as_a_non_root_user_with_a_health_check(image):
    assert image.user and image.user not in ("root", "0", "0:0")
    assert image.healthcheck and "/healthz" in image.healthcheck


# Runs a command as the image would, with this virtualenv's packages but none of this checkout's:
# the editable install's finder would otherwise import a package the image lacks from here.
ISOLATED_RUNNER = """
import runpy, sys
def editable(finder):
    return "editable" in repr(finder) or "editable" in getattr(finder, "__module__", "")
sys.meta_path[:] = [finder for finder in sys.meta_path if not editable(finder)]
command = sys.argv.pop(1)
if command == "daphne":
    from daphne.cli import CommandLineInterface
    sys.argv[0] = "daphne"
    CommandLineInterface.entrypoint()
else:
    sys.argv[0] = "manage.py"
    runpy.run_path("manage.py", run_name="__main__")
"""


def test_the_server_starts_from_the_image_files_alone(image, tmp_path):
    """The files the image gets, and no others, serve /healthz, widget.js and a translated page.

    The image's own steps, on loopback: collectstatic as its RUN does, then
    migrate (a throw-away SQLite database) and its CMD, bound to 127.0.0.1.
    """
    root = tmp_path / "image"
    for target, repo_path in image.files.items():
        (root / target.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(BASE_DIR / repo_path, root / target.lstrip("/"))
    app = root / image.workdir.lstrip("/")
    runner = tmp_path / "isolated.py"
    runner.write_text(ISOLATED_RUNNER, encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        **{name: value for name, value in image.env.items() if not name.startswith("PIP_")},
        "PYTHONPATH": str(app),
        "VAR_DIR": str(app / "var"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "DEBUG": "0",
        "SECRET_KEY": "image-test-" + "x" * 40,
        "ALLOWED_HOSTS": "chat.example.com,127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": "https://chat.example.com",
        "PUBLIC_URL": "https://chat.example.com",
        "EMAIL_URL": "dummymail://",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'image.sqlite3'}",
    }

    def run(*args: str) -> None:
        result = subprocess.run(
            [sys.executable, str(runner), *args],
            cwd=app,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, f"{args}: {result.stdout[-2000:]}{result.stderr[-4000:]}"

    run("manage", "collectstatic", "--noinput")
    run("manage", "migrate", "--noinput")
    cmd = list(image.cmd)
    port = free_port()
    cmd[cmd.index("--bind") + 1] = "127.0.0.1"
    cmd[cmd.index("--port") + 1] = str(port)
    log_path = tmp_path / "daphne.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, str(runner), *cmd],
            cwd=app,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def get(path: str, **headers: str) -> tuple[int, str]:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode("utf-8", "replace")

    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, f"daphne exited:\n{log_path.read_text(errors='replace')[-4000:]}"
            try:
                if get("/healthz")[0] == 200:
                    break
            except (urllib.error.URLError, OSError):
                pass
            assert time.monotonic() < deadline, (
                f"no /healthz:\n{log_path.read_text(errors='replace')[-4000:]}"
            )
            time.sleep(0.2)
        assert get("/widget.js", Host="chat.example.com")[0] == 200
        # A text of this project's own catalog (Django's ships "Passwort" itself): locale/ is there.
        lead = "Answer your website visitors in real time."
        german = polib.pofile(str(BASE_DIR / "locale/de/LC_MESSAGES/django.po")).find(lead).msgstr
        status, body = get("/accounts/login/", Host="chat.example.com", **{"Accept-Language": "de"})
        assert status == 200 and html.escape(german) in body and lead not in body
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --- Compose ----------------------------------------------------------------------------------


def _compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def _env_example() -> dict[str, str]:
    """NAME -> value of the NAME=value lines (commented-out ones too: they document a variable)."""
    found = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"#?\s*([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            found.setdefault(match[1], match[2])
    return found


def _interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error} (not nested)."""

    def one(match: re.Match) -> str:
        name, op, arg = match[1], match[2] or "", match[3] or ""
        value = env.get(name)
        if op == ":-":
            return value if value else arg
        if op == "-":
            return arg if value is None else value
        if op == ":?":
            assert value, f"compose refuses to start without {name}: {arg}"
        return value or ""

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|-|:\?|\?)([^${}]*))?\}", one, text)


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {name: str(value) for name, value in env.items()}


def test_compose_publishes_no_port_of_the_app_only_the_proxy(image):
    services = _compose()["services"]
    for name in APP_SERVICES:
        assert name in services
        assert not services[name].get("ports"), f"{name} publishes a port"
    assert image.cmd[image.cmd.index("--port") + 1] == "8000"
    ports = [str(port) for port in services[PROXY_SERVICE]["ports"]]
    assert [port for port in ports if port.endswith(":80")] and [
        port for port in ports if port.endswith(":443")
    ]
    assert [name for name, service in services.items() if service.get("ports")] == [PROXY_SERVICE]


def test_compose_trusts_the_proxys_fixed_address_and_nothing_else():
    compose = _compose()
    services = compose["services"]
    env = _env_example()
    address_raw = services[PROXY_SERVICE]["networks"]["default"]["ipv4_address"]
    proxy = ipaddress.ip_address(_interpolate(address_raw, env))
    ipam = compose["networks"]["default"]["ipam"]["config"][0]
    subnet = ipaddress.ip_network(_interpolate(ipam["subnet"], env))
    dynamic = ipaddress.ip_network(_interpolate(ipam["ip_range"], env))
    # Inside the network, outside the range other containers' addresses come from.
    assert proxy in subnet and dynamic.subnet_of(subnet) and proxy not in dynamic
    for name in ["web", "worker"]:
        trusted = _environment(services[name]).get("TRUSTED_PROXIES")
        assert trusted is not None, f"{name} has no TRUSTED_PROXIES"
        networks = [ipaddress.ip_network(_interpolate(cidr, env).strip()) for cidr in trusted.split(",")]
        assert networks == [ipaddress.ip_network(f"{proxy}/32")]
        gateway = next(subnet.hosts())  # the host side of the bridge
        assert not any(gateway in network for network in networks)


def test_compose_refers_only_to_files_and_variables_that_exist():
    compose = _compose()
    env = _env_example()
    assert "TRUSTED_PROXIES" in env and env["TRUSTED_PROXIES"] == ""
    for name, service in compose["services"].items():
        build = service.get("build")
        if build:
            assert (DOCKER_DIR / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE
        for volume in service.get("volumes") or []:
            source = str(volume).split(":")[0]
            if source.startswith("."):
                assert (DOCKER_DIR / source).exists(), f"{name} mounts {source}, which does not exist"
    mounts = [str(volume) for volume in compose["services"][PROXY_SERVICE]["volumes"]]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in mounts
    used = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", COMPOSE_FILE.read_text(encoding="utf-8")))
    assert not used - set(env), f"not documented in docker/.env.example: {sorted(used - set(env))}"
    assert "{$SITE_ADDRESS}" in CADDYFILE.read_text(encoding="utf-8")
    assert "SITE_ADDRESS" in _environment(compose["services"][PROXY_SERVICE])


def _compose_command() -> tuple[list[str], int] | None:
    """`docker compose` (v2), else `docker-compose` (Debian's is v1), with its major version."""
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run(
            [docker, "compose", "version", "--short"], capture_output=True, text=True, timeout=30
        )
        if probe.returncode == 0:
            return [docker, "compose"], int(probe.stdout.strip().lstrip("v").split(".")[0])
    legacy = shutil.which("docker-compose")
    if legacy:
        probe = subprocess.run(
            [legacy, "version", "--short"], capture_output=True, text=True, check=True, timeout=30
        )
        return [legacy], int(probe.stdout.strip().lstrip("v").split(".")[0])
    return None


def test_docker_compose_config_accepts_the_stack(tmp_path):
    found = _compose_command()
    require(found, "neither `docker compose` nor `docker-compose` is installed")
    command, major = found
    # A copy, so that no docker/.env of this checkout is read, overwritten or removed.
    (tmp_path / "docker").mkdir()
    for path in [DOCKERFILE, DOCKERIGNORE, CADDYFILE]:
        shutil.copy(path, tmp_path / "docker" / path.name)
    shutil.copy(ENV_EXAMPLE, tmp_path / "docker" / ".env")
    compose_text = COMPOSE_FILE.read_text(encoding="utf-8")
    name = _compose()["name"]
    if major < 2:
        # Compose v1 predates the top-level `name:`; -p gives it the same project name.
        compose_text = re.sub(r"(?m)^name:.*\n", "", compose_text)
        command = [*command, "-p", name]
    (tmp_path / "docker" / "compose.yaml").write_text(compose_text, encoding="utf-8")
    result = subprocess.run(
        [*command, "-f", "docker/compose.yaml", "config"],
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    services = config["services"]
    for service in APP_SERVICES:
        assert not services[service].get("ports")
    assert {int(port["target"]) for port in services[PROXY_SERVICE]["ports"]} == {80, 443}
    proxy = services[PROXY_SERVICE]["networks"]["default"]["ipv4_address"]
    assert _environment(services["web"])["TRUSTED_PROXIES"] == f"{proxy}/32"
    assert _environment(services[PROXY_SERVICE])["SITE_ADDRESS"] == _env_example()["SITE_ADDRESS"]
    if major >= 2:
        assert config["name"] == name


def test_the_caddyfile_is_valid_for_caddy():
    caddy = shutil.which("caddy")
    require(caddy, "caddy is not installed (Debian: apt-get install caddy)")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SITE_ADDRESS": "chat.example.com"}
    result = subprocess.run(
        [caddy, "adapt", "--config", str(CADDYFILE), "--adapter", "caddyfile", "--validate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    server = next(iter(config["apps"]["http"]["servers"].values()))
    assert server["listen"] == [":443"]
    assert server["routes"][0]["match"] == [{"host": ["chat.example.com"]}]
    proxy = server["routes"][0]["handle"][0]["routes"][0]["handle"][0]
    assert proxy["handler"] == "reverse_proxy"
    upstreams = proxy["dynamic_upstreams"]
    assert (upstreams["source"], upstreams["name"], upstreams["port"]) == ("a", "web", "8000")
    assert proxy["load_balancing"]["selection_policy"] == {"policy": "least_conn"}
    # No access log: it would hold visitors' addresses.
    assert "logs" not in server and "logging" not in config
