"""Work done in a forked child beside the master (qmr.background), and what consolidate does when one
of the two fails: nothing half-done is left behind, and the same files come out."""

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

import pytest

from qmr import background, cycle
from qmr.background import can_fork, in_background
from qmr.cycle import load_plan, run_consolidation, run_validation
from qmr.period import Period
from qmr.plan.examples import write_example
from qmr.publish.master import rows

Q3 = Period(2015, 3)


def _pid_and(value: int) -> tuple[int, int]:
    return os.getpid(), value * 2


def _fails() -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def _dies() -> int:
    if os.environ.get("QMR_TEST_IN_CHILD") == str(os.getppid()):
        os.kill(os.getpid(), signal.SIGKILL)  # the child is killed, as the OOM killer would
    return os.getpid()


def test_work_runs_in_another_process_on_what_this_one_holds() -> None:
    held = list(range(100_000))  # shared with the child through fork, not pickled
    job = in_background(_pid_and, len(held))
    pid, doubled = job.result()
    assert doubled == 200_000
    assert pid != os.getpid() or not can_fork()


def test_the_work_s_exception_is_raised_where_its_result_is_asked_for() -> None:
    job = in_background(_fails)
    with pytest.raises(OSError) as raised:
        job.result()
    assert raised.value.errno == errno.ENOSPC


@pytest.mark.skipif(not can_fork(), reason="no fork or one core: the work is done in this process anyway")
def test_a_child_killed_mid_work_is_done_again_here(monkeypatch) -> None:
    monkeypatch.setenv("QMR_TEST_IN_CHILD", str(os.getpid()))
    assert in_background(_dies).result() == os.getpid()


def _first() -> int:
    return os.getpid()


def _then_dies() -> int:
    if os.environ.get("QMR_TEST_IN_CHILD") == str(os.getppid()):
        os.kill(os.getpid(), signal.SIGKILL)
    return -os.getpid()


def test_the_then_work_comes_after_the_first_result_from_the_same_child() -> None:
    job = in_background(_pid_and, 4, then=lambda: (os.getpid(), "then"))
    pid, doubled = job.result()
    then_pid, word = job.then_result()
    assert (doubled, word) == (8, "then")
    assert then_pid == pid  # the same process did both
    assert pid != os.getpid() or not can_fork()


@pytest.mark.skipif(not can_fork(), reason="no fork or one core: the work is done in this process anyway")
def test_a_child_killed_after_its_first_result_has_the_then_work_done_here(monkeypatch) -> None:
    monkeypatch.setenv("QMR_TEST_IN_CHILD", str(os.getpid()))
    job = in_background(_first, then=_then_dies)
    assert job.result() != os.getpid()
    assert job.then_result() == -os.getpid()


@pytest.fixture
def quarter(tmp_path: Path):
    write_example("ced-2015-16", tmp_path / "plan.xlsx")
    plan, _ = load_plan(tmp_path / "plan.xlsx")
    (tmp_path / "returns").mkdir()
    return plan, run_validation(plan, Q3, [tmp_path / "returns"]), tmp_path


def test_a_master_that_fails_leaves_no_csv_and_no_temporary(quarter, monkeypatch) -> None:
    plan, batch, folder = quarter
    out = folder / "out" / "QMR.xlsx"

    def full_disk(consolidation, path, csv):
        csv.write_text("half a CSV")  # the child had begun it
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cycle, "write_master_and_csv", full_disk)
    with pytest.raises(OSError):
        run_consolidation(plan, Q3, batch, out)
    assert sorted(p.name for p in out.parent.iterdir()) == []


def test_a_csv_that_cannot_be_put_in_place_is_a_finding_beside_a_written_master(quarter) -> None:
    plan, batch, folder = quarter
    out = folder / "out" / "QMR.xlsx"
    (folder / "out" / "QMR.csv").mkdir(parents=True)  # a folder where the CSV goes: the rename fails
    done = run_consolidation(plan, Q3, batch, out)
    assert done.written == [out]
    assert [f.code for f in done.findings] == ["output-not-written"]
    assert done.findings[0].file.endswith("QMR.csv")
    assert sorted(p.name for p in out.parent.iterdir()) == ["QMR.csv", "QMR.xlsx"]  # no temporary left


def test_the_csv_comes_out_the_same_as_written_in_this_process(quarter, monkeypatch) -> None:
    plan, batch, folder = quarter
    run_consolidation(plan, Q3, batch, folder / "a" / "QMR.xlsx")
    monkeypatch.setattr(background, "_spare_cpus", lambda: 1)  # no core to spare: written here, after the master
    run_consolidation(plan, Q3, batch, folder / "b" / "QMR.xlsx")
    assert (folder / "a" / "QMR.csv").read_bytes() == (folder / "b" / "QMR.csv").read_bytes()
    assert (folder / "a" / "QMR.xlsx").read_bytes() == (folder / "b" / "QMR.xlsx").read_bytes()


def test_a_large_batch_s_data_is_written_here(quarter, monkeypatch) -> None:
    """Above BACKGROUND_MAX_ITEMS no child is forked (its copied pages would cost more memory than
    the overlap saves time): the Data rows are written in their sheet, the CSV after the master; the
    same files come out."""
    plan, batch, folder = quarter
    run_consolidation(plan, Q3, batch, folder / "a" / "QMR.xlsx")
    forked = []
    monkeypatch.setattr(rows, "BACKGROUND_MAX_ITEMS", 0)
    monkeypatch.setattr(rows, "in_background", lambda *a, **k: forked.append(a))
    run_consolidation(plan, Q3, batch, folder / "b" / "QMR.xlsx")
    assert not forked
    assert (folder / "a" / "QMR.csv").read_bytes() == (folder / "b" / "QMR.csv").read_bytes()
    assert (folder / "a" / "QMR.xlsx").read_bytes() == (folder / "b" / "QMR.xlsx").read_bytes()


def test_a_large_register_is_read_in_a_child_to_the_same_plan(tmp_path: Path, monkeypatch) -> None:
    write_example("ced-2015-16", tmp_path / "plan.xlsx")
    here = load_plan(tmp_path / "plan.xlsx")
    children = []
    real = cycle.in_background
    monkeypatch.setattr(cycle, "LARGE_REGISTER_BYTES", 0)
    monkeypatch.setattr(cycle, "in_background", lambda *a: children.append(a) or real(*a))
    assert load_plan(tmp_path / "plan.xlsx") == here
    assert len(children) == 1


def test_a_fork_that_fails_leaves_the_work_to_be_done_here(monkeypatch) -> None:
    """No memory or processes left to fork with (EAGAIN): the same result, from this process."""
    import multiprocessing.process

    def refuse(self) -> None:
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", refuse)
    pid, doubled = in_background(_pid_and, 21).result()
    assert (pid, doubled) == (os.getpid(), 42)


class _Awkward(Exception):
    def __init__(self, path: str, findings: list[str]):  # unpicklable as raised: args is only the message
        super().__init__(f"{path}: {len(findings)} problems")


def _fails_awkwardly() -> None:
    raise _Awkward("plan.xlsx", ["a", "b"])


@pytest.mark.skipif(not can_fork(), reason="no fork: the exception is raised here as it is")
def test_an_exception_that_cannot_travel_back_is_said_as_text() -> None:
    with pytest.raises(RuntimeError, match="plan.xlsx: 2 problems"):
        in_background(_fails_awkwardly).result()


def _rows_laid_out_aside(monkeypatch) -> list[tuple]:
    """The milestones appendix's and the Data sheet's rows laid out in scratch sheets and spliced, on
    any machine: the work a child would do is done in this process (as when a fork fails)."""
    monkeypatch.setattr(rows, "can_fork", lambda: True)
    monkeypatch.setattr(background, "_spare_cpus", lambda: 1)
    laid_out: list[tuple] = []
    real = rows.in_background
    monkeypatch.setattr(rows, "in_background", lambda *a, **k: laid_out.append(a) or real(*a, **k))
    return laid_out


def test_rows_laid_out_aside_are_the_bytes_written_in_their_sheet(quarter, monkeypatch) -> None:
    """Spliced into the master, rows laid out in a scratch sheet are the same bytes as the rows
    written in the sheets themselves (no core to spare)."""
    plan, batch, folder = quarter
    laid_out = _rows_laid_out_aside(monkeypatch)
    run_consolidation(plan, Q3, batch, folder / "a" / "QMR.xlsx")
    assert len(laid_out) == 2
    monkeypatch.setattr(rows, "can_fork", lambda: False)
    run_consolidation(plan, Q3, batch, folder / "b" / "QMR.xlsx")
    assert len(laid_out) == 2
    assert (folder / "a" / "QMR.xlsx").read_bytes() == (folder / "b" / "QMR.xlsx").read_bytes()
    assert (folder / "a" / "QMR.csv").read_bytes() == (folder / "b" / "QMR.csv").read_bytes()


def test_a_master_that_fails_with_rows_laid_out_aside_leaves_none_of_their_files(quarter, monkeypatch,
                                                                                  tmp_path) -> None:
    import tempfile

    from qmr.publish import master

    plan, batch, folder = quarter
    laid_out = _rows_laid_out_aside(monkeypatch)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where XlsxWriter and the child put rows

    def fails(*args) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(master, "write_legend", fails)  # the sheet before Data: the child is at work
    with pytest.raises(OSError):
        run_consolidation(plan, Q3, batch, folder / "out" / "QMR.xlsx")
    assert len(laid_out) == 2  # both row files were made, and are gone
    assert sorted(p.name for p in (folder / "out").iterdir()) == []
    assert list(scratch.iterdir()) == []
