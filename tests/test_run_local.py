"""Issue 6, defect 2: `make run` (bin/run-local) looks like the product.

Starts the real script on free ports against a fresh SQLite database: DEBUG is off, so a
wrong URL gets the product's Japanese 404 page, not Django's English debug page; the
stylesheet is served (whitenoise); a local secret key is made once, readable by its owner only.
"""

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from madoguchi.testing.smtp import free_port

pytestmark = pytest.mark.worker


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_until_up(url: str, process: subprocess.Popen, output, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output.seek(0)
            pytest.fail(f"bin/run-local exited:\n{output.read().decode()}")
        try:
            get(url)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    pytest.fail("bin/run-local did not answer in time")


def test_issue6_defect2_run_local_shows_the_product_pages(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "MADOGUCHI_VAR_DIR": str(tmp_path),
        "PORT": str(port),
        "EMAIL_PORT": str(free_port()),
    }
    for name in ("DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DATABASE_URL"):
        env.pop(name, None)  # as a developer's shell: run-local makes its own key
    base = f"http://127.0.0.1:{port}"
    output = (tmp_path / "run-local.log").open("w+b")
    process = subprocess.Popen(
        [str(settings.BASE_DIR / "bin" / "run-local")],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until_up(f"{base}/", process, output)

        status, page = get(f"{base}/desk/no-such-page/")
        assert status == 404
        assert "ページが見つかりません" in page
        assert "Page not found" not in page and "DEBUG = True" not in page
        status, css = get(f"{base}/static/css/site.css")
        assert status == 200 and ".site-header" in css

        key = tmp_path / "secret-key"
        assert len(key.read_text().strip()) >= 50
        assert key.stat().st_mode & 0o777 == 0o600
    finally:
        process.send_signal(signal.SIGTERM)  # run-local's trap stops every process it started
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        output.close()
