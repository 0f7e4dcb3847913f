"""`slr check` can fail: each planted error turns the claims it touches to `mismatch`.

A claim is `explained` only when a named cause, applied, gives the review's number exactly, so a
planted error that no recorded conflict covers must show. Each mutation below edits a copy of the
corpus and names the claims (key, version) that must then be mismatches; the untouched corpus has none.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from slr import checks

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
TASK = "  - name: {name}\n    evidence:\n      - source: https://example.org/planted\n        quote: planted\n"


def edit(corpus: Path, study: str, pattern: str, replacement: str, count: int = 1) -> None:
    path = corpus / "studies" / f"{study}.yaml" if study != "review" else corpus / "review.yaml"
    text = path.read_text()
    new, n = re.subn(pattern, replacement, text, count=count, flags=re.M)
    assert n, f"mutation did not apply to {path.name}: {pattern}"
    path.write_text(new)


def add_task(study: str, name: str):
    return lambda c: edit(c, study, r"^tasks:\n", "tasks:\n" + TASK.format(name=name))


def add_method(study: str, name: str):
    return lambda c: edit(c, study, r"^methods:\n", "methods:\n" + TASK.format(name=name))


def drop_task(study: str, name: str):
    # removes the `- name: <name>` item up to the next item of the list
    return lambda c: edit(c, study, rf"^  - name: {re.escape(name)}\n(?:    .*\n|      .*\n)*", "")


def remove_study(study: str):
    return lambda c: (c / "studies" / f"{study}.yaml").unlink()


def clone_study(study: str, new_id: str):
    def mutate(c):
        text = (c / "studies" / f"{study}.yaml").read_text()
        (c / "studies" / f"{new_id}.yaml").write_text(re.sub(rf"^id: {study}$", f"id: {new_id}", text, flags=re.M))
    return mutate


MUTATIONS = {
    "a fake task on a single-task study": (add_task("P1", "Code Search"), {
        ("studies_per_task", "artifact-27"), ("multi_task_studies", "artifact-27"),
        ("method_task_heatmap", "artifact-27"), ("method_instance_counts", "artifact-27"),
        ("architecture_counts", "artifact-27"), ("multi_task_share", "revision-28")}),
    "a task no study has": (add_task("P3", "Header File Prediction"), {
        ("distinct_tasks", "artifact-27"), ("task_category_counts", "artifact-27"),
        ("task_taxonomy", "artifact-27")}),
    "a fake method": (add_method("P1", "BitFit"), {
        ("method_task_heatmap", "artifact-27"), ("method_instance_counts", "artifact-27"),
        ("method_task_heatmap", "revision-28")}),
    "a changed year": (lambda c: edit(c, "P1", r"^year: 2024$", "year: 2023"), {("studies_per_year", "artifact-27")}),
    "a changed venue": (lambda c: edit(c, "P3", r"^venue: ASE$", "venue: ICSE"), {
        ("venue_distribution", "artifact-27"), ("venue_distribution", "artifact-27-csv")}),
    "a changed venue where a venue conflict is recorded": (lambda c: edit(c, "P36", r"^venue: arXiv$", "venue: ICPC"), {
        ("venue_distribution", "artifact-27")}),
    "a study removed": (remove_study("P37"), {
        ("studies_total", "artifact-27"), ("studies_total", "arxiv-v2"), ("studies_total", "revision-28"),
        ("selection_flow", "revision-28"), ("studies_per_task", "artifact-27")}),
    "a fake study added": (clone_study("P37", "P99"), {("studies_total", "revision-28"), ("selection_flow", "revision-28")}),
    "a changed architecture": (lambda c: edit(c, "P37", r"architecture: decoder-only", "architecture: encoder-only",
                                              count=0), {
        ("architecture_counts", "artifact-27"), ("architecture_counts", "revision-28")}),
    "the revision's added task dropped": (drop_task("P38", "Header File Prediction"), {
        ("distinct_tasks", "revision-28"), ("task_category_counts", "revision-28"),
        ("task_taxonomy", "revision-28"), ("method_task_heatmap", "revision-28")}),
    "a revision task dropped from P38": (drop_task("P38", "Code Generation"), {
        ("studies_per_task", "revision-28"), ("method_instance_counts", "revision-28")}),
    "a single-task study made multi-task": (add_task("P37", "Code Generation"), {
        ("multi_task_share", "revision-28"), ("multi_task_studies", "artifact-27")}),
    "a review number altered": (lambda c: edit(c, "review", r"^- key: distinct_tasks\n  value: 17$",
                                               "- key: distinct_tasks\n  value: 18"), {("distinct_tasks", "artifact-27")}),
    "a review family altered": (lambda c: edit(c, "review", r"^    additive:\n    - Base Adapter$",
                                               "    additive:\n    - BitFit\n    - Base Adapter"),
                                {("peft_families", "revision-28")}),
    "a heatmap cell altered": (lambda c: edit(c, "review", r"task: Code Summarization, task_as_named: CSum, count: 2}",
                                              "task: Code Summarization, task_as_named: CSum, count: 3}"),
                               {("method_task_heatmap", "artifact-27")}),
}


def statuses(corpus: Path, tmp_path: Path) -> dict[tuple[str, str], str]:
    report = checks.run_checks(corpus, f"sqlite:///{tmp_path / 'check.db'}")
    assert not report.problems, report.problems
    return {(f["key"], f["version"]): f["status"] for f in report.figures if f["key"] != "artifact-inconsistency"}


def test_the_real_corpus_has_no_mismatch(tmp_path):
    found = statuses(CORPUS, tmp_path)
    assert [k for k, s in found.items() if s == "mismatch"] == []
    assert {s for s in found.values()} <= {"match", "explained", "source-only", "superseded"}


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_a_planted_error_turns_its_claims_to_mismatch(name, tmp_path):
    mutate, expected = MUTATIONS[name]
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    mutate(corpus)
    found = statuses(corpus, tmp_path)
    missed = {claim: found.get(claim) for claim in expected if found.get(claim) != "mismatch"}
    assert not missed, f"{name}: still passing: {missed}"
    report = checks.run_checks(corpus, f"sqlite:///{tmp_path / 'check.db'}")
    assert not report.ok


def test_every_recomputed_claim_is_covered_by_a_mutation():
    from slr.claims import COMPUTE

    covered = {key for _, claims in MUTATIONS.values() for key, _ in claims}
    assert set(COMPUTE) <= covered, set(COMPUTE) - covered
