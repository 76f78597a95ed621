"""Shared fixtures: a small realistic plan built in code (from the Halton BPR seed plan), and the
LibreOffice gate: skip without soffice on a laptop, fail under CI=true."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from qmr.model import EqualityAction, Indicator, Milestone, Objective, Plan, RiskMeasure, Team

ARTEFACTS = Path(__file__).parent / "artefacts"


def make_plan() -> Plan:
    """Three teams, text targets, an undated milestone, an annual PI, risks and equality actions."""
    teams = (
        Team("BSC-FIN", "Financial Services", "Resources", "Business Support", "Finance",
             "Performance clerk, Finance", "finance.performance@example.org", "DM Finance and Resources"),
        Team("BSC-HR", "Human Resources", "Resources", "Business Support", "HR",
             "Performance clerk, HR", "hr.performance@example.org", "DM HR"),
        Team("BSC-COM", "Commissioning", "Resources", "Commissioning", "Commissioning",
             "Performance clerk, Commissioning", "commissioning@example.org", "DM Commissioning"),
    )
    objectives = (
        Objective("BPR1", "Maintain a sound financial position for the directorate", "BSC-FIN", key=True,
                  responsible_officer="DM Finance and Resources", initial_risk="9", residual_risk="4",
                  indicators=("BPR LI1",)),
        Objective("BPR2", "Develop the workforce to meet service needs", "BSC-HR", key=False,
                  responsible_officer="DM HR", initial_risk="High", residual_risk="Medium",
                  indicators=("BPR LI12",)),
        Objective("BPR3", "Commission services that deliver value for money", "BSC-COM", key=True,
                  responsible_officer="DM Commissioning"),
    )
    milestones = (
        Milestone("BPR1.1", "BPR1", "Report the 2008/09 budget outturn to management team", "BSC-FIN",
                  "Jun 2008", "2008/09", "DM Finance"),
        Milestone("BPR1.2", "BPR1", "Set the 2009/10 budget by March 2009", "BSC-FIN", "", "2008/09",
                  "DM Finance"),
        Milestone("BPR2.1", "BPR2", "Implement the workforce development plan", "BSC-HR", "Ongoing", "2008/09",
                  "DM HR"),
        Milestone("BPR2.2", "BPR2", "Complete single status job evaluation", "BSC-HR", "Dec 2008", "2008/09", "DM HR"),
        Milestone("BPR3.1", "BPR3", "Re-tender the home care framework", "BSC-COM", "Sep 2008", "2008/09", "JH/AM"),
    )
    indicators = (
        Indicator("BPR LI1", "% of invoices paid within 30 days", "BSC-FIN", "%", "Cost & Efficiency", True,
                  "higher", "quarterly", "flat", 92.0, 95.0, tolerance=2.0),
        Indicator("BPR LI2", "Number of budget monitoring reports issued", "BSC-FIN", "number", "Quality", False,
                  "higher", "quarterly", "cumulative", 48.0, 48.0, (12.0, 24.0, 36.0, 48.0)),
        Indicator("BPR LI12", "% of days lost to sickness absence", "BSC-HR", "%", "Corporate Health", True,
                  "lower", "quarterly", "flat", 4.1, 3.8, tolerance=0.5),
        Indicator("BSC Ll21", "Staff turnover rate", "BSC-HR", "rate", "Corporate Health", False,
                  "target", "quarterly", "flat", 9.0, 10.0),
        Indicator("BPR LI7", "Customer satisfaction with commissioning", "BSC-COM", "%", "Quality", False,
                  "higher", "annual", "flat", None, "To be set once baseline known"),
        Indicator("BPR LI8", "Contracts monitored this year", "BSC-COM", "number", "Service Delivery", False,
                  "higher", "quarterly", "cumulative", 30.0, 40.0),
    )
    risks = (
        RiskMeasure("BPR1", "Monthly budget monitoring with cost centre managers", "BSC-FIN", "DM Finance"),
        RiskMeasure("BPR2", "Workforce plan reviewed twice a year", "BSC-HR", "DM HR"),
    )
    equality = (EqualityAction("EQ1", "Equality impact assess all HR policies", "BSC-HR", "Mar 2009", "DM HR"),)
    settings = {
        "organisation": "Halton Borough Council",
        "plan": "Business Support & Commissioning Service Plan 2008-11",
        "financial_year": "2008/09",
        "contact_name": "Performance officer",
        "contact_email": "performance@example.org",
        "deadline_days": "15",
        "assurance_statement": "I confirm that the figures in this return are accurate and have been checked.",
    }
    return Plan(teams, objectives, milestones, indicators, risks, equality, settings, fingerprint="test-plan-1")


@pytest.fixture
def plan() -> Plan:
    return make_plan()


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture
def soffice() -> str:
    """The LibreOffice binary; skips on a laptop without it, but fails in CI, where it must exist."""
    path = soffice_path()
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but LibreOffice (soffice) is not installed: .ci/run must install it")
        pytest.skip("LibreOffice is not installed")
    return path


def convert(soffice: str, source: Path, target_ext: str, outdir: Path) -> Path:
    """Convert a file with LibreOffice headless, in a private profile so parallel runs do not clash."""
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / ".lo-profile"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
         "--convert-to", target_ext, "--outdir", str(outdir), str(source)],
        check=True, capture_output=True, timeout=180,
    )
    produced = outdir / (source.stem + "." + target_ext.split(":")[0])
    assert produced.exists(), f"LibreOffice did not produce {produced}"
    return produced


@pytest.fixture
def artefacts() -> Path:
    """Where tests keep what a person should look at (PDFs, PNGs); kept after the run."""
    ARTEFACTS.mkdir(exist_ok=True)
    return ARTEFACTS
