"""`grade --db` into a real PostgreSQL server, started and stopped here, holds the same scores as SQLite."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder.examples import write_examples
from autograder.grade import Options, grade
from tests.notebook_factory import toy_notebook, write_assignment

pytest.importorskip("psycopg", reason="psycopg is missing: pip install -r requirements.txt")
PG_BIN = next((f"/usr/lib/postgresql/{v}/bin" for v in ("17", "16", "15", "14", "13")
               if os.path.exists(f"/usr/lib/postgresql/{v}/bin/initdb")), None)
pytestmark = pytest.mark.skipif(PG_BIN is None, reason="PostgreSQL is missing: sudo apt-get install postgresql")


def _as_server_user():
    """initdb and postgres refuse to run as root: run them as the `postgres` user when we are root."""
    if os.geteuid() != 0:
        return [], None
    user = pwd.getpwnam("postgres")
    return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"], user


@pytest.fixture(scope="module")
def postgres():
    """A throw-away server on a free localhost port; yields its SQLAlchemy URL."""
    data = Path(tempfile.mkdtemp(prefix="tfs-pg-"))  # not under pytest's folder, which the server user cannot enter
    prefix, user = _as_server_user()
    if user:
        shutil.chown(data, user.pw_uid, user.pw_gid)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run([*prefix, f"{PG_BIN}/initdb", "-D", str(data / "db"), "-U", "grader", "--auth=trust"],
                   check=True, capture_output=True)
    server = subprocess.Popen([*prefix, f"{PG_BIN}/postgres", "-D", str(data / "db"), "-p", str(port),
                               "-k", str(data), "-h", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if subprocess.run([f"{PG_BIN}/pg_isready", "-h", "127.0.0.1", "-p", str(port)],
                              capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        yield f"postgresql://grader@127.0.0.1:{port}/postgres"
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)


def test_postgres_gradebook_matches_sqlite(postgres, tmp_path):
    write_assignment(tmp_path / "repo", "toy", toy_notebook())
    write_examples(tmp_path / "subs", "toy", tmp_path / "repo")
    grade(tmp_path / "subs", Options("toy", tmp_path / "out", workers=2, root=tmp_path / "repo", db_url=postgres))
    assert not (tmp_path / "out" / "gradebook.db").exists()
    with Gradebook(postgres) as pg:
        in_postgres = {s.student.id: s.score for s in pg.assignment_submissions("toy")}
    sqlite = f"sqlite:///{tmp_path / 'copy.db'}"
    grade(tmp_path / "subs", Options("toy", tmp_path / "out", workers=2, root=tmp_path / "repo", db_url=sqlite))
    with Gradebook(sqlite) as lite:
        in_sqlite = {s.student.id: s.score for s in lite.assignment_submissions("toy")}
    assert in_postgres == in_sqlite == {"ada": 2, "bob": 0, "Zoë Ñandú": 2, "carol": 0, "dave": 0, "eve": 0}
