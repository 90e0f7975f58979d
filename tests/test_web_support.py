"""Helpers shared by the tests/test_web_*.py files (no tests here).

Pages are written in the site's text layout (see samples/*.txt) or as JSON Lines
records; both are ingested with the real ``searchsvc.ingest.pipeline``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

from searchsvc.engine.index import IndexStore
from searchsvc.ingest.pipeline import ingest

EVIL_SCRIPT = "<script>alert(1)</script>"
EVIL_ATTR = '" onerror=alert(1) x="'


def page_text(title: str, date: str, expert: str, qa: list[tuple[str, str]], tags: list[str],
              lead: str = "", bio: str = "") -> str:
    """An interview page in the site's text layout, one expert (姓名 + 教授)."""
    lines = ["当前位置:肿瘤瞭望>资讯>正文", "", title, "", f"作者:肿瘤瞭望   日期:{date}  浏览量:12", ""]
    if lead:
        lines += [lead, ""]
    for question, answer in qa:
        lines += [f"《肿瘤瞭望》:{question}", "", f"{expert}教授:{answer}", ""]
    lines += [f"{expert}教授", bio or "测试医院肿瘤内科主任医师", "", "本内容仅供医学专业人士参考", "", *tags, "",
              "分享到: 更多", ""]
    return "\n".join(lines)


def write_page(folder: Path, name: str, **fields) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(page_text(**fields), encoding="utf-8")
    return path


def build_index(root: Path, pages: list[Path]) -> IndexStore:
    store = IndexStore(root)
    report = ingest(pages, store)
    assert report.failed == 0, [f.reason for f in report.failures]
    return store


THYMOMA = dict(
    title="周衡教授:胸腺瘤术后放疗的争议与共识",
    date="2024/03/05 09:00:00",
    expert="周衡",
    qa=[("胸腺瘤术后是否都需要放疗?", "并非所有胸腺瘤患者术后都需要放疗。完整切除的早期胸腺瘤一般可以随访观察。"),
        ("晚期胸腺瘤如何治疗?", "晚期胸腺瘤以含铂化疗为主，部分患者可以考虑再次手术。")],
    tags=["胸部肿瘤"],
)
MESOTHELIOMA = dict(
    title="顾岚教授:恶性间皮瘤免疫治疗进入新时代",
    date="2025/06/01 10:00:00",
    expert="顾岚",
    qa=[("恶性间皮瘤的一线治疗有哪些变化?", "双免疫治疗已经成为不可手术恶性间皮瘤的一线选择之一。"),
        ("间皮瘤的诊断有什么难点?", "间皮瘤需要与转移性腺癌鉴别，免疫组化非常关键。")],
    tags=["胸部肿瘤", "免疫治疗"],
)


def evil_sources(folder: Path) -> list[Path]:
    """A text page and a JSON Lines record whose every field holds markup that must stay inert."""
    page = write_page(
        folder, "evil.txt",
        title=f"贾斌教授:{EVIL_SCRIPT}胸膜肿瘤{EVIL_ATTR}研究进展",
        date="2025/01/02 08:00:00", expert="贾斌",
        lead=f"导语{EVIL_SCRIPT}胸膜肿瘤{EVIL_ATTR}结束",
        qa=[(f"胸膜肿瘤{EVIL_SCRIPT}怎么治?{EVIL_ATTR}", f"胸膜肿瘤的治疗{EVIL_SCRIPT}需要多学科协作。{EVIL_ATTR}胸膜肿瘤预后较差。")],
        tags=["胸膜肿瘤"], bio=f"{EVIL_SCRIPT}医院胸外科主任\n简介{EVIL_SCRIPT}{EVIL_ATTR}",  # the affiliation too
    )
    record = {
        "id": "evil-record",
        "title": f"胸膜肿瘤专家谈{EVIL_SCRIPT}与{EVIL_ATTR}",
        "date": "2025-02-03 10:00:00",
        "outlet": f"刊物{EVIL_SCRIPT}",
        "lead": f"胸膜肿瘤导语{EVIL_ATTR}",
        "experts": [{"name": EVIL_SCRIPT, "title": EVIL_ATTR, "bio": f"{EVIL_ATTR}研究所研究员"}],
        "tags": [EVIL_SCRIPT, EVIL_ATTR, "胸膜肿瘤"],
        "qa": [{"question": f"{EVIL_ATTR}胸膜肿瘤?", "answer": f"胸膜肿瘤{EVIL_SCRIPT}的回答。", "expert": EVIL_SCRIPT}],
    }
    jsonl = folder / "evil.jsonl"
    jsonl.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    return [page, jsonl]


class MarkupAudit(HTMLParser):
    """Collects every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text.append(data)


def audit(html: str) -> MarkupAudit:
    parser = MarkupAudit()
    parser.feed(html)
    parser.close()
    return parser


def assert_inert_page(html: str) -> None:
    """No injected element or attribute: only our external script, no event handlers, no inline code."""
    assert EVIL_SCRIPT not in html
    assert EVIL_ATTR not in html
    found = audit(html)
    scripts = [attrs for tag, attrs in found.tags if tag == "script"]
    assert all(a.get("src", "").startswith("/static/app.js") for a in scripts), scripts
    assert not "".join(found.script_text).strip()
    for tag, attrs in found.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert "style" not in attrs, (tag, attrs)
        assert tag not in ("iframe", "object", "embed", "img"), tag


def assert_only_marks(fragment: str) -> None:
    """A *_html field: escaped text with nothing but bare <mark> elements."""
    assert EVIL_SCRIPT not in fragment and EVIL_ATTR not in fragment
    found = audit(fragment)
    assert all(tag == "mark" and not attrs for tag, attrs in found.tags), found.tags


# -- a real gunicorn on a loopback port ----------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def searchsvc_command() -> list[str]:
    script = Path(sys.executable).parent / "searchsvc"
    return [str(script)] if script.exists() else [sys.executable, "-m", "searchsvc.cli"]


def terminate(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 20 s: a helper server (Redis, Prometheus) stopped at a test's end."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Server:
    """``searchsvc serve`` as a subprocess; ``get`` returns (status, headers, body bytes).

    Ready means listening: the server's own log says so ("Listening at" from gunicorn,
    "Running on" from the dev server), and from then on a request waits in the socket's
    backlog until a worker takes it, so nothing polls.  ``command`` runs another
    installation's ``searchsvc`` (a wheel in a fresh venv, say).  ``access_log`` keeps gunicorn's
    access log (each line names the worker that answered); ``on_line`` is called with every line
    of the server's output as it comes, for a test that waits on what the log says.
    """

    READY = ("Listening at: ", "Running on http")

    def __init__(self, index: Path, workers: int = 2, env: dict | None = None, dev: bool = False,
                 command: list[str] | None = None, cwd: Path | None = None, threads: int | None = None,
                 access_log: bool = False, on_line=None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = Path(os.environ.get("TMPDIR", "/tmp")) / f"searchsvc-serve-{self.port}.log"
        self.ready = threading.Event()
        self.on_line = on_line
        mode = ["--dev"] if dev else ["--workers", str(workers), "--access-log" if access_log else "--no-access-log"]
        if threads:
            mode += ["--threads", str(threads)]
        self.proc = subprocess.Popen(
            [*(command or searchsvc_command()), "serve", "--index", str(index), "--port", str(self.port), *mode],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, cwd=cwd,
            start_new_session=True,  # its own process group: the dev server's reloader child goes with it
        )
        self._copier = threading.Thread(target=self._copy_log, daemon=True)
        self._copier.start()

    def _copy_log(self) -> None:
        """Copy the server's output to its log file, and set ``ready`` when it says it listens."""
        with open(self.log, "wb") as out:
            for line in self.proc.stdout:
                out.write(line)
                out.flush()
                text = line.decode("utf-8", "replace")
                if any(mark in text for mark in self.READY):
                    self.ready.set()
                if self.on_line is not None:
                    self.on_line(text)
        self.ready.set()  # the server exited: wait_ready reports it

    def wait_ready(self, timeout: float = 120) -> None:
        if not self.ready.wait(timeout) or self.proc.poll() is not None:
            self.stop()
            raise RuntimeError(f"searchsvc serve did not start (exit code {self.proc.returncode}): "
                               f"{self.log.read_text()[-2000:]}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def get(self, path: str, headers: dict | None = None):
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()

    def stop(self) -> None:
        """SIGTERM to the server's own process group (only what this object started), then SIGKILL."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # a reloader child left behind
        except ProcessLookupError:
            pass
        self._copier.join(timeout=20)
