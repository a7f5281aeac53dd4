"""A quick benchmark run leaves the documented, full-scale results alone."""

from bench import run

DOCUMENTED = run.BENCH / "RESULTS.md"


def test_a_full_scale_run_writes_the_documented_results():
    assert run.results_path(run.parse_args([])) == DOCUMENTED
    assert run.results_path(run.parse_args(["--scale", "1"])) == DOCUMENTED


def test_a_quick_run_writes_beside_them_in_a_git_ignored_folder():
    target = run.results_path(run.parse_args(["--scale", "0.05"]))
    assert target == run.BENCH / "results" / "RESULTS-scale-0.05.md"
    ignored = (run.ROOT / ".gitignore").read_text().splitlines()
    assert "/bench/results/" in ignored


def test_a_quick_run_replaces_the_documented_results_only_when_asked():
    assert run.results_path(run.parse_args(["--scale", "0.05", "--write-results"])) == DOCUMENTED
    assert run.results_path(run.parse_args(["--scale", "0.05", "--no-write"])) is None
