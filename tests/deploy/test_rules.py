"""The pipeline's alerting rules: valid for Prometheus, and firing when (and only when) they should."""

from __future__ import annotations

from tests.deploy.promql import RULE_TESTS, RULES, promtool, rules


def test_the_rules_pass_promtool_check():
    result = promtool("check", "rules", *RULES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_rules_pass_their_promtool_unit_tests():
    result = promtool("test", "rules", *RULE_TESTS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_unit_tested_and_tells_a_person_what_to_do():
    tested = "\n".join(path.read_text() for path in RULE_TESTS)
    alerts = [rule for _, rule in rules() if "alert" in rule]
    assert alerts
    for rule in alerts:
        assert f"alertname: {rule['alert']}" in tested, f"{rule['alert']} has no promtool test"
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
