"""The pipeline compiler, without a database: discovery results in, workflows of stages out."""

from __future__ import annotations

import json

import pytest

from shipyard.ci.compiler.compiler import (
    CompiledWorkflow,
    CompileResult,
    ConfigFile,
    Netrc,
    SecretEntry,
    compile_pipeline,
    workflow_name,
)
from shipyard.ci.compiler.constraints import MatchContext, match_list, matches, run_flags
from shipyard.ci.compiler.envsubst import SubstitutionError, substitute
from shipyard.ci.compiler.expr import ExpressionError, evaluate
from shipyard.ci.compiler.metadata import Commit, Metadata, PipelineMeta, RepoMeta, System, environ
from shipyard.ci.status import merge


def meta(
    event: str = "push", branch: str = "main", files: list[str] | None = None, **curr: object
) -> Metadata:
    ref = f"refs/tags/{branch}" if event == "tag" else f"refs/heads/{branch}"
    return Metadata(
        repo=RepoMeta(
            id=7, name="app", owner="alice", clone_url="/srv/git/alice/app.git", default_branch="main"
        ),
        curr=PipelineMeta(
            number=12,
            event=event,
            commit=Commit(
                sha="a" * 40, ref=ref, branch=branch, message="fix: things", changed_files=files or []
            ),
            **curr,  # type: ignore[arg-type]
        ),
        sys=System(url="https://ci.example.test", host="ci.example.test", version="1.0"),
    )


def compile_one(text: str, m: Metadata | None = None, **kwargs: object) -> CompileResult:
    return compile_pipeline([ConfigFile(".woodpecker.yaml", text)], m or meta(), **kwargs)  # type: ignore[arg-type]


def names(workflow: CompiledWorkflow) -> list[list[str]]:
    return [[step.name for step in stage] for stage in workflow.stages]


def test_sequential_steps_after_an_injected_clone() -> None:
    result = compile_one(
        "steps:\n  - name: a\n    image: sh\n    commands: [x]\n  - name: b\n    image: sh\n"
        "    commands: [y]\n"
    )
    assert not result.errors
    (workflow,) = result.workflows
    assert names(workflow) == [["clone"], ["a"], ["b"]]
    clone = workflow.stages[0][0]
    assert clone.type == "clone" and clone.image.startswith("woodpeckerci/plugin-git")
    assert clone.environment["PLUGIN_DEPTH"] == "0"
    assert [s.pid for s in workflow.steps] == [2, 3, 4] and workflow.pid == 1


def test_map_form_steps_and_skip_clone() -> None:
    result = compile_one("skip_clone: true\nsteps:\n  build:\n    image: sh\n    commands: [make]\n")
    assert names(result.workflows[0]) == [["build"]]


def test_dag_layers_and_errors() -> None:
    dag = """
steps:
  - {name: a, image: sh, commands: [x], depends_on: []}
  - {name: b, image: sh, commands: [x], depends_on: []}
  - {name: c, image: sh, commands: [x], depends_on: [a, b]}
  - {name: d, image: sh, commands: [x], depends_on: [c]}
"""
    assert names(compile_one(dag).workflows[0]) == [["clone"], ["a", "b"], ["c"], ["d"]]
    cycle = (
        "steps:\n  - {name: a, image: sh, commands: [x], depends_on: [b]}\n"
        "  - {name: b, image: sh, commands: [x], depends_on: [a]}\n"
    )
    errors = compile_one(cycle).errors
    assert errors[0].type == "compiler" and "cycle" in errors[0].message
    missing = "steps:\n  - {name: a, image: sh, commands: [x], depends_on: [nope]}\n"
    assert 'depends on "nope"' in compile_one(missing).errors[0].message
    optional = "steps:\n  - {name: a, image: sh, commands: [x], depends_on: [{name: nope, optional: true}]}\n"
    assert not compile_one(optional).errors


def test_matrix_axes_become_workflows() -> None:
    text = (
        "matrix:\n  GO: ['1.21', '1.22']\n  DB: [pg]\nsteps:\n  - name: t\n    image: sh\n"
        "    commands: ['echo ${GO}-${DB}']\n    when:\n      matrix: {GO: '1.22'}\n"
    )
    result = compile_one(text)
    assert [w.environ for w in result.workflows] == [{"GO": "1.21", "DB": "pg"}, {"GO": "1.22", "DB": "pg"}]
    assert names(result.workflows[0]) == [["clone"]]  # the step is filtered by when.matrix
    step = result.workflows[1].stages[1][0]
    assert step.commands == ["echo 1.22-pg"] and step.environment["GO"] == "1.22"
    include = compile_one(
        "matrix:\n  include:\n    - {A: 1}\n    - {A: 2, B: x}\nsteps:\n"
        "  - {name: t, image: sh, commands: [x]}\n"
    )
    assert [w.environ for w in include.workflows] == [{"A": "1"}, {"A": "2", "B": "x"}]
    big = "matrix:\n  A: [1,2,3,4,5,6]\n  B: [1,2,3,4,5]\nsteps:\n  - {name: t, image: sh, commands: [x]}\n"
    assert "at most 25" in compile_one(big).errors[0].message


def test_when_filters_steps_and_workflows() -> None:
    text = """
when:
  - event: [push, manual]
steps:
  - {name: always, image: sh, commands: [x]}
  - {name: tags, image: sh, commands: [x], when: {event: tag}}
  - {name: release-branch, image: sh, commands: [x], when: {branch: 'release/*'}}
  - {name: on-failure, image: sh, commands: [x], when: {status: [failure]}}
  - {name: docs, image: sh, commands: [x], when: {path: {include: ['docs/**'], exclude: ['docs/draft/*']}}}
"""
    result = compile_one(text, meta(files=["docs/a/b.md"]))
    assert names(result.workflows[0]) == [["clone"], ["always"], ["on-failure"], ["docs"]]
    flags = {s.name: (s.on_success, s.on_failure) for s in result.workflows[0].steps}
    assert flags["always"] == (True, False) and flags["on-failure"] == (False, True)
    assert "release-branch" in str(names(compile_one(text, meta(branch="release/1.0")).workflows[0]))
    only_drafts = compile_one(text, meta(files=["docs/draft/x.md"]))
    assert "docs" not in str(names(only_drafts.workflows[0]))
    filtered = compile_one(text, meta(event="tag", branch="v1"))
    assert filtered.workflows == [] and filtered.errors == []


def test_secrets_from_secret_events_and_images() -> None:
    step = "steps:\n  - name: a\n    image: {image}\n{body}"
    step += "    environment:\n      T:\n        from_secret: Token\n"
    commands = step.format(image="sh", body="    commands: [x]\n")
    ok = compile_one(commands, secrets=[SecretEntry("token", "hunter2")])
    assert ok.workflows[0].stages[1][0].environment["T"] == "hunter2" and ok.workflows[0].mask == ["hunter2"]
    missing = compile_one(commands)
    assert missing.errors[0].type == "compiler" and 'secret "Token" not found' in missing.errors[0].message
    wrong_event = compile_one(commands, secrets=[SecretEntry("token", "v", events=("tag",))])
    assert "not allowed for push" in wrong_event.errors[0].message
    plugin = step.format(image="plugins/s3:1", body="")
    assert not compile_one(plugin, secrets=[SecretEntry("token", "v", images=("plugins/s3",))]).errors
    assert compile_one(commands, secrets=[SecretEntry("token", "v", images=("plugins/s3",))]).errors


def test_netrc_goes_to_the_clone_and_trusted_plugins_only_and_is_masked() -> None:
    text = (
        "steps:\n  - name: build\n    image: sh\n    commands: [x]\n"
        "  - name: publish\n    image: plugins/s3:1\n  - name: other\n    image: plugins/docker\n"
    )
    netrc = Netrc("forge.example.test", "oauth2", "t0ken", trusted_images=("plugins/s3",))
    (workflow,) = compile_one(text, netrc=netrc).workflows
    given = {s.name: s.environment.get("CI_NETRC_PASSWORD") for s in workflow.steps}
    assert given == {"clone": "t0ken", "build": None, "publish": "t0ken", "other": None}
    clone = workflow.stages[0][0].environment
    assert (clone["CI_NETRC_MACHINE"], clone["CI_NETRC_USERNAME"]) == ("forge.example.test", "oauth2")
    assert workflow.mask == ["t0ken"]
    # A step cannot set them itself.
    spoofed = "steps:\n  - name: a\n    image: sh\n    commands: [x]\n"
    spoofed += "    environment:\n      CI_NETRC_PASSWORD: x\n"
    assert "CI_NETRC_PASSWORD" not in compile_one(spoofed).workflows[0].stages[1][0].environment


def test_environment_workspace_and_ci_variables() -> None:
    text = (
        "workspace:\n  base: /w\n  path: src\nsteps:\n  - name: a\n    image: sh\n    directory: sub\n"
        "    commands: [x]\n    environment:\n      LIST: [1, 2]\n      MAP: {k: v}\n      HOME: /evil\n"
    )
    step = compile_one(text).workflows[0].stages[1][0]
    env = step.environment
    assert step.working_dir == "/w/src/sub" and env["CI_WORKSPACE"] == "/w/src"
    assert env["LIST"] == "1,2" and json.loads(env["MAP"]) == {"k": "v"} and "HOME" not in env
    assert env["CI_REPO"] == "alice/app" and env["CI_COMMIT_SHA"] == "a" * 40
    assert env["CI_PIPELINE_NUMBER"] == "12" and env["CI_STEP_NAME"] == "a" and env["CI_STEP_NUMBER"] == "2"
    assert env["CI_PIPELINE_URL"] == "https://ci.example.test/repos/7/pipeline/12"
    assert env["CI_WORKFLOW_NAME"] == "woodpecker" and env["CI_COMMIT_BRANCH"] == "main"
    assert "CI_COMMIT_TAG" not in env and env["CI_SYSTEM_NAME"] == "shipyard"


def test_lint_errors_are_clear() -> None:
    errors = compile_one("steps:\n  - name: a\n    image: sh\n    comands: [x]\n").errors
    assert errors[0].type == "linter" and "'comands' was unexpected" in errors[0].message
    assert errors[0].data == {"file": ".woodpecker.yaml", "field": "steps.0"}
    assert compile_one("steps: [").errors[0].type == "generic"
    priv = compile_one("steps:\n  - {name: a, image: sh, commands: [x], privileged: true}\n").errors
    assert "trusted" in priv[0].message
    assert (
        "failure"
        in compile_one("steps:\n  - {name: a, image: sh, commands: [x], failure: maybe}\n").errors[0].message
    )


def test_workflow_dependencies() -> None:
    configs = [
        ConfigFile(".woodpecker/build.yaml", "steps:\n  - {name: a, image: sh, commands: [x]}\n"),
        ConfigFile(
            ".woodpecker/deploy.yaml",
            "depends_on: [build]\nwhen:\n  - status: [success, failure]\n"
            "steps:\n  - {name: b, image: sh, commands: [x]}\n",
        ),
    ]
    result = compile_pipeline(configs, meta())
    deploy = result.workflows[1]
    assert (
        deploy.name == "deploy"
        and deploy.depends_on == ["build"]
        and deploy.runs_on == ["success", "failure"]
    )
    loop = [
        ConfigFile(
            ".woodpecker/a.yaml", "depends_on: [b]\nsteps:\n  - {name: a, image: sh, commands: [x]}\n"
        ),
        ConfigFile(
            ".woodpecker/b.yaml", "depends_on: [a]\nsteps:\n  - {name: b, image: sh, commands: [x]}\n"
        ),
    ]
    assert "cycle" in compile_pipeline(loop, meta()).errors[0].message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${A}", "alpha"),
        ("$A-$B", "alpha-"),
        ("$$A", "$A"),
        ("${B:-dflt}", "dflt"),
        ("${A^^}", "ALPHA"),
        ("${A:1:3}", "lph"),
        ("${#A}", "5"),
        ("${A/l/L}", "aLpha"),
        ("${P##*/}", "c.tar.gz"),
        ("${P%.*}", "a/b/c.tar"),
        ("${A,}", "alpha"),
        ("${A-x}${U-unset}", "alphaunset"),
    ],
)
def test_envsubst(text: str, expected: str) -> None:
    assert substitute(text, {"A": "alpha", "P": "a/b/c.tar.gz"}) == expected


def test_envsubst_rejects_garbage() -> None:
    with pytest.raises(SubstitutionError):
        substitute("${A?}", {"A": "x"})


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('CI_COMMIT_BRANCH == "main"', True),
        ('CI_COMMIT_BRANCH != "main" || X == "1"', True),
        ('not (X == "1") and true', False),
        ('CI_COMMIT_BRANCH in ["dev", "main"]', True),
        ('CI_COMMIT_BRANCH matches "^ma"', True),
        ('CI_COMMIT_BRANCH startsWith "dev"', False),
        ("MISSING == nil", True),
        ("N >= 10", True),
    ],
)
def test_evaluate(expression: str, expected: bool) -> None:
    assert evaluate(expression, {"CI_COMMIT_BRANCH": "main", "X": "1", "N": "12"}) is expected


def test_evaluate_rejects_non_booleans_and_syntax() -> None:
    for bad in ('"text"', "A ==", "__import__('os')"):
        with pytest.raises(ExpressionError):
            evaluate(bad, {"A": "x"})


def test_constraints() -> None:
    assert match_list(["main", "release/*"], "release/2") and not match_list("release/*", "release/2/x")
    assert match_list({"exclude": ["wip/**"]}, "main") and not match_list({"exclude": ["wip/**"]}, "wip/a/b")
    ctx = MatchContext(event="push", branch="main", ref="refs/heads/main", repo="alice/app")
    assert matches([{"event": "tag"}, {"branch": "main"}], ctx)
    assert run_flags({"status": ["success", "failure"]}, ctx) == (True, True)


def test_status_merge() -> None:
    assert merge(["success", "failure", "skipped"]) == "failure"
    assert merge(["success", "running"]) == "running"
    assert merge(["canceled", "canceled"]) == "canceled" and merge(["canceled", "success"]) == "killed"
    assert merge([]) == "skipped" and merge(["declined", "error"]) == "declined"


def test_names_and_environ() -> None:
    assert (
        workflow_name(".woodpecker/build.yml") == "build"
        and workflow_name(".woodpecker.yaml") == "woodpecker"
    )
    tag = environ(meta(event="tag", branch="v1.2"))
    assert tag["CI_COMMIT_TAG"] == "v1.2" and "CI_COMMIT_BRANCH" not in tag
