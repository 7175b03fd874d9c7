"""Compile a pipeline: config files + metadata + secrets -> workflows of stages of steps, or errors.

The stages of a workflow are: clone, then all services, then the steps (one stage per step in
file order, or, as soon as any step has `depends_on`, the DAG cut into layers: a step runs in
the first stage after all its dependencies). Agents run stages in order and the steps of a stage
in parallel.
"""

from __future__ import annotations

import itertools
import json
import posixpath
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import yaml
from ulid import ULID

from shipyard.ci.compiler.constraints import ConstraintError, MatchContext, conditions, matches, run_flags
from shipyard.ci.compiler.envsubst import SubstitutionError, substitute
from shipyard.ci.compiler.metadata import Metadata, StepMeta, WorkflowMeta, environ
from shipyard_protocol import StepSpec

CLONE_IMAGE = "woodpeckerci/plugin-git:2.10.0"
WORKSPACE_BASE = "/woodpecker"
MAX_MATRIX_PERMUTATIONS = 25
MAX_MATRIX_AXES = 10
RESERVED_LABEL_PREFIX = "woodpecker-ci.org/"
FAILURE_MODES = ("fail", "ignore", "cancel")
# Variables a step's own `environment` may not override.
PROTECTED_ENV = ("CI_NETRC_MACHINE", "CI_NETRC_USERNAME", "CI_NETRC_PASSWORD", "CI_SCRIPT", "HOME", "SHELL")


@dataclass(frozen=True)
class ConfigFile:
    name: str
    data: str


@dataclass(frozen=True)
class SecretEntry:
    """A secret visible to the repository; `events`/`images` empty means no restriction."""

    name: str
    value: str
    events: Sequence[str] = ()
    images: Sequence[str] = ()


@dataclass
class PipelineError:
    type: str  # linter | deprecation | compiler | generic | bad_habit
    message: str
    is_warning: bool = False
    data: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "message": self.message, "is_warning": self.is_warning, "data": self.data}


@dataclass(frozen=True)
class Netrc:
    """The forge credentials a clone step (and the plugins of `netrc_trusted`) gets as CI_NETRC_*."""

    machine: str
    login: str
    password: str
    trusted_images: tuple[str, ...] = ()

    def env(self) -> dict[str, str]:
        return {
            "CI_NETRC_MACHINE": self.machine,
            "CI_NETRC_USERNAME": self.login,
            "CI_NETRC_PASSWORD": self.password,
        }

    def given_to(self, step: Mapping[str, Any], kind: str) -> bool:
        image = str(step.get("image", ""))
        return kind == "clone" or (
            kind == "plugin" and any(_image_matches(image, i) for i in self.trusted_images)
        )


@dataclass
class CompiledWorkflow:
    name: str
    pid: int
    environ: dict[str, str]
    labels: dict[str, str]
    depends_on: list[str]
    runs_on: list[str]
    stages: list[list[StepSpec]]
    mask: list[str]
    optional_deps: list[str] = field(default_factory=list)

    @property
    def steps(self) -> list[StepSpec]:
        return [step for stage in self.stages for step in stage]


@dataclass
class CompileResult:
    workflows: list[CompiledWorkflow] = field(default_factory=list)
    errors: list[PipelineError] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(not e.is_warning for e in self.errors)


class _Abort(Exception):
    def __init__(self, error: PipelineError) -> None:
        self.error = error


@cache
def _validator() -> jsonschema.Draft7Validator:
    text = resources.files("shipyard.ci.compiler").joinpath("schema.json").read_text()
    return jsonschema.Draft7Validator(json.loads(text))


def workflow_name(path: str) -> str:
    """`.woodpecker/build.yaml` -> `build`; `.woodpecker.yaml` -> `woodpecker`."""
    base = posixpath.basename(path).lstrip(".")
    for ext in (".yaml", ".yml"):
        base = base.removesuffix(ext)
    return base or "woodpecker"


def _error(kind: str, message: str, name: str, field_path: str = "") -> _Abort:
    return _Abort(PipelineError(kind, message, data={"file": name, "field": field_path}))


def _leaves(err: jsonschema.ValidationError) -> Iterator[jsonschema.ValidationError]:
    if not err.context:
        yield err
    for sub in err.context:
        yield from _leaves(sub)


def lint(name: str, document: Any) -> list[PipelineError]:
    """Schema errors of one parsed config, each with its file and field path."""
    errors = []
    for err in sorted(_validator().iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        # anyOf/oneOf: the alternative that got deepest into the document says what is wrong.
        best = max(_leaves(err), key=lambda e: (len(e.absolute_path), e.validator != "type"))
        where = ".".join(str(part) for part in best.absolute_path)
        message = f"{name}: {where + ': ' if where else ''}{best.message}"
        errors.append(PipelineError("linter", message, data={"file": name, "field": where}))
    return errors


def _axes(raw: Any, name: str) -> list[dict[str, str]]:
    matrix = raw.get("matrix") if isinstance(raw, dict) else None
    if not matrix:
        return [{}]
    if not isinstance(matrix, dict):
        raise _error("linter", f"{name}: matrix must be a map", name, "matrix")
    if "include" in matrix:
        include = matrix["include"]
        if not isinstance(include, list) or not all(isinstance(i, dict) for i in include):
            raise _error("linter", f"{name}: matrix.include must be a list of maps", name, "matrix.include")
        axes = [{str(k): _scalar(v) for k, v in item.items()} for item in include]
    else:
        if len(matrix) > MAX_MATRIX_AXES:
            raise _error("compiler", f"{name}: a matrix has at most {MAX_MATRIX_AXES} axes", name, "matrix")
        keys = list(matrix)
        values = [v if isinstance(v, list) else [v] for v in matrix.values()]
        axes = [dict(zip(keys, map(_scalar, combo), strict=True)) for combo in itertools.product(*values)]
    if len(axes) > MAX_MATRIX_PERMUTATIONS:
        raise _error(
            "compiler", f"{name}: a matrix has at most {MAX_MATRIX_PERMUTATIONS} permutations", name, "matrix"
        )
    return axes


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _env_value(value: Any, secrets: _Secrets, step: Mapping[str, Any]) -> str:
    if isinstance(value, dict) and set(value) == {"from_secret"}:
        return secrets.use(str(value["from_secret"]), step)
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            return ",".join(_scalar(v) for v in value)
        return json.dumps([_resolve(v, secrets, step) for v in value])
    if isinstance(value, dict):
        return json.dumps(_resolve(value, secrets, step))
    return _scalar(value)


def _resolve(value: Any, secrets: _Secrets, step: Mapping[str, Any]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"from_secret"}:
            return secrets.use(str(value["from_secret"]), step)
        return {k: _resolve(v, secrets, step) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, secrets, step) for v in value]
    return value


def _image_matches(image: str, allowed: str) -> bool:
    def strip(name: str) -> str:
        name = name.split("@", 1)[0]
        last = name.rsplit("/", 1)[-1]
        return name[: len(name) - len(last)] + last.split(":", 1)[0]

    return image == allowed or strip(image) == strip(allowed)


class _Secrets:
    def __init__(self, entries: Sequence[SecretEntry], event: str, file: str) -> None:
        self.by_name = {e.name.lower(): e for e in entries}
        self.event = event
        self.file = file
        self.used: list[str] = []

    def use(self, name: str, step: Mapping[str, Any]) -> str:
        entry = self.by_name.get(name.lower())
        where = f"steps.{step.get('name', '')}"
        if entry is None:
            raise _error("compiler", f'{self.file}: secret "{name}" not found', self.file, where)
        if entry.events and self.event not in entry.events:
            raise _error(
                "compiler",
                f'{self.file}: secret "{name}" is not allowed for {self.event} events',
                self.file,
                where,
            )
        image = str(step.get("image", ""))
        if entry.images and not (_is_plugin(step) and any(_image_matches(image, i) for i in entry.images)):
            raise _error(
                "compiler",
                f'{self.file}: secret "{name}" is only available to the plugins {list(entry.images)}',
                self.file,
                where,
            )
        if entry.value:
            self.used.append(entry.value)
        return entry.value


def _is_plugin(step: Mapping[str, Any]) -> bool:
    return not step.get("commands") and not step.get("entrypoint")


def _named_steps(section: Any, name: str, key: str) -> list[dict[str, Any]]:
    """Steps as a list of maps with names, from the list form or the (older) map form."""
    if section is None:
        return []
    if isinstance(section, dict):
        return [{**(v or {}), "name": str(k)} for k, v in section.items()]
    steps = []
    for index, step in enumerate(section):
        if not step.get("name"):
            raise _error("linter", f"{name}: {key}.{index}: a step needs a name", name, f"{key}.{index}")
        steps.append(dict(step))
    return steps


def _deps(value: Any) -> list[tuple[str, bool]]:
    items = value if isinstance(value, list) else [] if value is None else [value]
    out = []
    for item in items:
        if isinstance(item, dict):
            out.append((str(item["name"]), bool(item.get("optional", False))))
        else:
            out.append((str(item), False))
    return out


def _layers(steps: list[dict[str, Any]], file: str) -> list[list[dict[str, Any]]]:
    """Cut the step DAG into stages; unknown dependencies and cycles are errors."""
    names = [s["name"] for s in steps]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise _error(
            "compiler", f"{file}: step names must be unique in a DAG: {sorted(duplicates)}", file, "steps"
        )
    deps = {s["name"]: [d for d, _ in s["_deps"]] for s in steps}
    placed: dict[str, int] = {}
    stages: list[list[dict[str, Any]]] = []
    remaining = list(steps)
    while remaining:
        ready = [s for s in remaining if all(d in placed for d in deps[s["name"]])]
        if not ready:
            cycle = sorted(s["name"] for s in remaining)
            raise _error(
                "compiler", f"{file}: the steps {cycle} depend on each other in a cycle", file, "steps"
            )
        for step in ready:
            placed[step["name"]] = len(stages)
        stages.append(ready)
        remaining = [s for s in remaining if s["name"] not in placed]
    return stages


@dataclass
class _Context:
    meta: Metadata
    secrets: Sequence[SecretEntry]
    variables: Mapping[str, str]
    forge_host: str
    netrc: Netrc | None


def _workspace(document: Mapping[str, Any], ctx: _Context) -> tuple[str, str]:
    workspace = document.get("workspace") or {}
    base = str(workspace.get("base") or WORKSPACE_BASE)
    path = str(workspace.get("path") or f"src/{ctx.forge_host}/{ctx.meta.full_name}")
    return base, path


def _trust_errors(step: Mapping[str, Any], ctx: _Context, file: str) -> list[PipelineError]:
    trusted = ctx.meta.repo.trusted
    where = f"steps.{step['name']}"
    errors = []
    if step.get("privileged") and not trusted.security:
        errors.append(
            PipelineError(
                "linter",
                f"{file}: {where}: privileged needs a trusted repository",
                data={"file": file, "field": where},
            )
        )
    if step.get("volumes") and not trusted.volumes:
        errors.append(
            PipelineError(
                "linter",
                f"{file}: {where}: volumes need a trusted repository",
                data={"file": file, "field": where},
            )
        )
    if step.get("network_mode") and not trusted.network:
        errors.append(
            PipelineError(
                "linter",
                f"{file}: {where}: network_mode needs a trusted repository",
                data={"file": file, "field": where},
            )
        )
    return errors


def _build_step(
    step: Mapping[str, Any],
    kind: str,
    base_env: Mapping[str, str],
    axis: Mapping[str, str],
    secrets: _Secrets,
    work: tuple[str, str],
    match: MatchContext,
) -> StepSpec:
    env = dict(base_env)
    if kind != "plugin":
        env.update(axis)
    for key, value in (step.get("environment") or {}).items():
        if key.upper() in PROTECTED_ENV:
            continue
        env[str(key)] = _env_value(value, secrets, step)
    for key, value in (step.get("settings") or {}).items():
        env["PLUGIN_" + str(key).upper()] = _env_value(value, secrets, step)
    base, path = work
    directory = str(step.get("directory") or "")
    working_dir = (
        directory if directory.startswith("/") else posixpath.join(base, path, directory).rstrip("/")
    )
    env["CI_WORKSPACE"] = posixpath.join(base, path)
    on_success, on_failure = run_flags(step.get("when"), match)
    failure = str(step.get("failure") or "fail")
    commands = step.get("commands") or []
    entrypoint = step.get("entrypoint") or []
    return StepSpec(
        name=str(step["name"]),
        uuid=str(ULID()),
        pid=0,
        type=kind,
        image=str(step.get("image", "")),
        commands=[_scalar(c) for c in (commands if isinstance(commands, list) else [commands])],
        entrypoint=[_scalar(c) for c in (entrypoint if isinstance(entrypoint, list) else [entrypoint])],
        environment=env,
        working_dir=working_dir,
        detach=bool(step.get("detach", False)) or kind == "service",
        on_success=on_success,
        on_failure=on_failure,
        failure=failure,
    )


def _compile_axis(
    config: ConfigFile, text: str, axis: dict[str, str], ctx: _Context, errors: list[PipelineError]
) -> CompiledWorkflow | None:
    name = workflow_name(config.name)
    meta = ctx.meta.model_copy(deep=True)
    meta.workflow = WorkflowMeta(name=name, matrix=axis)
    base_env = environ(meta)
    subst_env = {**base_env, **ctx.variables, **axis}
    try:
        document = yaml.safe_load(substitute(text, subst_env))
    except SubstitutionError as exc:
        raise _error("generic", f"{config.name}: {exc}", config.name) from exc
    except yaml.YAMLError as exc:
        raise _error("generic", f"{config.name}: invalid YAML: {exc}", config.name) from exc
    if not isinstance(document, dict):
        raise _error("linter", f"{config.name}: a config must be a map", config.name)
    lint_errors = lint(config.name, document)
    if lint_errors:
        errors.extend(lint_errors)
        return None
    curr = ctx.meta.curr
    match = MatchContext(
        event=curr.event,
        branch=curr.commit.branch,
        ref=curr.commit.ref,
        repo=ctx.meta.full_name,
        cron=curr.cron,
        instance=ctx.meta.sys.host,
        changed_files=curr.commit.changed_files,
        matrix=axis,
        env={**base_env, **ctx.variables, **axis},
    )
    try:
        if not matches(document.get("when"), match):
            return None
        statuses = [
            str(status) for cond in conditions(document.get("when")) for status in (cond.get("status") or [])
        ]
        runs_on = [str(s) for s in (document.get("runs_on") or statuses or ["success"])]
        secrets = _Secrets(ctx.secrets, curr.event, config.name)
        work = _workspace(document, ctx)
        steps = _named_steps(document.get("steps"), config.name, "steps")
        services = _named_steps(document.get("services"), config.name, "services")
        selected = [s for s in steps if matches(s.get("when"), match)]
        for step in steps + services:
            errors.extend(_trust_errors(step, ctx, config.name))
            if str(step.get("failure") or "fail") not in FAILURE_MODES:
                raise _error(
                    "linter",
                    f"{config.name}: steps.{step['name']}: failure must be one of {FAILURE_MODES}",
                    config.name,
                    f"steps.{step['name']}.failure",
                )
        stages_src: list[list[tuple[dict[str, Any], str]]] = []
        clone = document.get("clone")
        if isinstance(clone, list):
            stages_src += [[(s, "clone")] for s in _named_steps(clone, config.name, "clone")]
        elif not document.get("skip_clone"):
            git = (clone or {}).get("git") or {}
            settings = {
                "depth": 0,
                **({"tags": True} if curr.event == "tag" else {}),
                **(git.get("settings") or {}),
            }
            stages_src.append(
                [({"name": "clone", "image": git.get("image") or CLONE_IMAGE, "settings": settings}, "clone")]
            )
        active_services = [s for s in services if matches(s.get("when"), match)]
        if active_services:
            stages_src.append([(s, "service") for s in active_services])
        if any("depends_on" in s for s in steps):
            present = {s["name"] for s in selected}
            for step in selected:
                kept = []
                for dep, optional in _deps(step.get("depends_on")):
                    if dep in present:
                        kept.append((dep, optional))
                    elif not optional:
                        raise _error(
                            "compiler",
                            f'{config.name}: step "{step["name"]}" depends on "{dep}", '
                            "which is not in the workflow",
                            config.name,
                            f"steps.{step['name']}.depends_on",
                        )
                step["_deps"] = kept
            for layer in _layers(selected, config.name):
                stages_src.append([(s, "plugin" if _is_plugin(s) else "commands") for s in layer])
        else:
            stages_src += [[(s, "plugin" if _is_plugin(s) else "commands")] for s in selected]
        stages: list[list[StepSpec]] = []
        number = 0
        for stage_src in stages_src:
            stage = []
            for step, kind in stage_src:
                number += 1
                step_meta = meta.model_copy(deep=True)
                step_meta.step = StepMeta(name=str(step["name"]), number=number)
                env = {**environ(step_meta), "CI_STEP_TYPE": kind}
                built = _build_step(step, kind, env, axis, secrets, work, match)
                if ctx.netrc is not None and ctx.netrc.given_to(step, kind):
                    built.environment.update(ctx.netrc.env())
                    secrets.used.append(ctx.netrc.password)
                stage.append(built)
            stages.append(stage)
    except ConstraintError as exc:
        raise _error("compiler", f"{config.name}: {exc}", config.name, "when") from exc
    labels = {str(k): _scalar(v) for k, v in (document.get("labels") or {}).items()}
    for key in labels:
        if key.startswith(RESERVED_LABEL_PREFIX):
            raise _error(
                "linter",
                f"{config.name}: the label prefix {RESERVED_LABEL_PREFIX} is reserved",
                config.name,
                f"labels.{key}",
            )
    depends = _deps(document.get("depends_on"))
    workflow = CompiledWorkflow(
        name=name,
        pid=0,
        environ=dict(axis),
        labels=labels,
        depends_on=[d for d, _ in depends],
        runs_on=runs_on,
        stages=[s for s in stages if s],
        mask=sorted(set(secrets.used), key=len, reverse=True),
        optional_deps=[d for d, optional in depends if optional],
    )
    return workflow


def compile_pipeline(
    configs: Sequence[ConfigFile],
    meta: Metadata,
    *,
    secrets: Sequence[SecretEntry] = (),
    variables: Mapping[str, str] | None = None,
    netrc: Netrc | None = None,
) -> CompileResult:
    """Compile every config file (each matrix axis is a workflow); errors stop the whole pipeline.

    `netrc`, when the forge gives one, goes to the clone steps (and trusted plugins) and is masked.

    Returns no workflows and no errors when every workflow was filtered out by its `when`.
    """
    forge_host = urlsplit(meta.repo.forge_url or meta.repo.clone_url).hostname or "localhost"
    ctx = _Context(meta, secrets, dict(variables or {}), forge_host, netrc)
    result = CompileResult()
    for config in configs:
        try:
            raw = yaml.safe_load(config.data)
        except yaml.YAMLError as exc:
            result.errors.append(
                PipelineError("generic", f"{config.name}: invalid YAML: {exc}", data={"file": config.name})
            )
            continue
        try:
            for axis in _axes(raw, config.name):
                workflow = _compile_axis(config, config.data, axis, ctx, result.errors)
                if workflow is not None:
                    result.workflows.append(workflow)
        except _Abort as abort:
            result.errors.append(abort.error)
    unique = {(e.type, e.message): e for e in result.errors}
    result.errors = list(unique.values())
    if not result.failed:
        _check_workflow_deps(result)
    if result.failed:
        result.workflows = []
        return result
    pid = 0
    for workflow in result.workflows:
        pid += 1
        workflow.pid = pid
        for step in workflow.steps:
            pid += 1
            step.pid = pid
    return result


def _check_workflow_deps(result: CompileResult) -> None:
    names = {w.name for w in result.workflows}
    for workflow in result.workflows:
        missing = [d for d in workflow.depends_on if d not in names and d not in workflow.optional_deps]
        if missing:
            result.errors.append(
                PipelineError(
                    "compiler",
                    f'workflow "{workflow.name}" depends on {missing}, which are not in the pipeline',
                    data={"workflow": workflow.name},
                )
            )
        workflow.depends_on = [d for d in workflow.depends_on if d in names]
    graph = {w.name: set(w.depends_on) for w in result.workflows}
    done: set[str] = set()
    while graph.keys() - done:
        ready = {n for n, deps in graph.items() if n not in done and deps <= done}
        if not ready:
            cycle = sorted(graph.keys() - done)
            result.errors.append(
                PipelineError("compiler", f"the workflows {cycle} depend on each other in a cycle")
            )
            return
        done |= ready
