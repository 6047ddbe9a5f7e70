"""The local cluster starts quietly: no "Port 8787 is already in use" warning when another cluster holds 8787."""

from __future__ import annotations

import socket
import warnings

import pytest

pytest.importorskip("distributed")

from denial_ml.engine.cluster import ClusterSpec, open_client  # noqa: E402


def _hold_8787() -> socket.socket | None:
    """Bind 8787 as another cluster's scheduler would (None when something holds it already: the same case)."""
    sock = socket.socket()
    try:
        sock.bind(("", 8787))
    except OSError:
        sock.close()
        return None
    sock.listen()
    return sock


def test_local_cluster_starts_without_port_warning():
    held = _hold_8787()
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            with open_client(ClusterSpec(workers=1, memory_limit="1GiB")) as client:
                assert client.submit(sum, [40, 2]).result() == 42
                http = client.cluster.scheduler.http_server  # health and metrics: on this machine only
                assert http.address == "127.0.0.1" and http.port != 8787
    finally:
        if held is not None:
            held.close()
    messages = [str(w.message) for w in seen if issubclass(w.category, UserWarning)]
    assert not [m for m in messages if "already in use" in m], messages


def _hog(megabytes: int) -> int:
    import time

    import numpy as np

    block = np.ones(megabytes * 2**20 // 8)  # touched: resident, as a part's tables would be
    time.sleep(10)  # the nanny checks memory every 100 ms
    return int(block.size)


def test_a_worker_restarted_past_its_memory_limit_fails_the_job_saying_what_to_change():
    import dask

    from denial_ml.engine.cluster import WorkerLostError

    expected = r"passed 95 % of its memory limit, 400MiB a worker, .* \(DENIAL_ML_DASK_MEMORY_LIMIT\).*KilledWorker"
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        pytest.raises(WorkerLostError, match=expected),
        open_client(ClusterSpec(workers=1, memory_limit="400MiB")) as client,
    ):
        client.submit(_hog, 600).result(timeout=120)


def test_the_cli_says_a_lost_worker_in_one_line(monkeypatch, capsys):
    import denial_ml.cli as cli
    from denial_ml.engine.cluster import WorkerLostError

    def lose(**_: object) -> None:
        raise WorkerLostError("dask: a worker was lost during the job")

    monkeypatch.setattr(cli, "_register_all", lambda: None)
    monkeypatch.setattr(cli, "app", lose)
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 1
    assert capsys.readouterr().err == "error: dask: a worker was lost during the job\n"
