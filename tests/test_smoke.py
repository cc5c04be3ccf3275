def test_demo_then_report(run):
    r = run("demo")
    assert r.exit_code == 0, r.output
    assert "Emissions 2026-10" in r.stdout
