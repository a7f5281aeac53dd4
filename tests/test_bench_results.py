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


def test_a_rewrite_keeps_the_lighthouse_section(tmp_path):
    from bench import lighthouse

    target = tmp_path / "RESULTS.md"
    section = f"{lighthouse.SECTION_START}\n## Lighthouse\n\n| `/` | 100 |\n{lighthouse.SECTION_END}"
    target.write_text(f"# Benchmark results\n\nold tables\n\n{section}\n")
    assert run.lighthouse_section(target) == f"\n{section}\n"
    assert run.lighthouse_section(tmp_path / "missing.md") == ""
