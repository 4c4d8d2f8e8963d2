"""What a training job is given and what it leaves behind, without ML
libraries: typed hyperparameters read from SM_HPS, the SageMaker paths, the
Trainer arguments the entry scripts share, the process's place in a torchrun
launch, and the training_summary.json written beside the weights.

SageMaker hands every hyperparameter to the container as a string. The
training toolkit JSON-decodes each one it can ("3" -> 3, "true" -> True,
"2e-4" -> 0.0002), keeps the others as strings ("4bit", "bf16"), and puts the
user's ones (every name not starting with sagemaker_) into SM_HPS. The
parsers below accept both forms and convert explicitly, so "True", "true" and
true all read as a boolean true.
"""

import json
import math
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from data_formats import hyperparameter

# The local path SageMaker syncs with the CheckpointConfig S3 URI: files
# written here are uploaded while the job runs and downloaded again before a
# restarted (spot-interrupted) job starts.
CHECKPOINT_DIR = "/opt/ml/checkpoints"
# Where SageMaker collects the model artifacts; SM_MODEL_DIR names it.
MODEL_DIR = "/opt/ml/model"
# Other artifacts SageMaker uploads beside the model (SM_OUTPUT_DATA_DIR).
OUTPUT_DATA_DIR = "/opt/ml/output/data"
SUMMARY_FILE = "training_summary.json"
# Linear warm-up over this share of the steps (transformers 5 reads a
# warmup_steps below 1 as a ratio; warmup_ratio no longer exists).
WARMUP_RATIO = 0.03
LOGGING_STEPS = 10
# Checkpoints kept in CHECKPOINT_DIR (and so in S3): the latest two.
SAVE_TOTAL_LIMIT = 2

PRECISION_DTYPES = {"bf16": "bfloat16", "fp16": "float16", "fp32": "float32"}
QUANTIZATIONS = ("none", "4bit")
TRUE_WORDS = ("true", "1", "yes")
FALSE_WORDS = ("false", "0", "no")


class HyperparameterError(ValueError):
    """A hyperparameter value the script cannot use, with its name."""


class JobInputError(ValueError):
    """A channel or path the job needs and did not get."""


@dataclass(frozen=True)
class Hyperparameter:
    """One hyperparameter: its name, its default and how its string is read.

    kind is "int", "float", "bool" or "choice"; at_least / above / below bound
    numbers (inclusive, exclusive, exclusive)."""

    name: str
    default: Any
    kind: str
    choices: Tuple[str, ...] = ()
    at_least: Optional[float] = None
    above: Optional[float] = None
    below: Optional[float] = None

    def parse(self, raw: str) -> Any:
        text = str(raw).strip()
        if self.kind == "bool":
            lowered = text.lower()
            if lowered in TRUE_WORDS:
                return True
            if lowered in FALSE_WORDS:
                return False
            raise self._error(text, "true or false")
        if self.kind == "choice":
            lowered = text.lower()
            if lowered not in self.choices:
                raise self._error(text, f"one of {', '.join(self.choices)}")
            return lowered
        if self.kind == "int":
            value = self._number(text, "an integer")
            if not float(value).is_integer():
                raise self._error(text, "an integer")
            return self._bounded(int(value), text)
        if self.kind == "float":
            return self._bounded(self._number(text, "a number"), text)
        raise ValueError(f"hyperparameter {self.name}: unknown kind {self.kind}")

    def _number(self, text: str, expected: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise self._error(text, expected) from None
        if not math.isfinite(value):
            raise self._error(text, expected)
        return value

    def _bounded(self, value, text: str):
        if self.at_least is not None and value < self.at_least:
            raise self._error(text, f"at least {self.at_least:g}")
        if self.above is not None and value <= self.above:
            raise self._error(text, f"greater than {self.above:g}")
        if self.below is not None and value >= self.below:
            raise self._error(text, f"less than {self.below:g}")
        return value

    def _error(self, text: str, expected: str) -> HyperparameterError:
        return HyperparameterError(f"hyperparameter {self.name}: {text!r} is not {expected}")


def training_specs(
    epochs: float,
    learning_rate: float,
    per_device_train_batch_size: int,
    gradient_accumulation_steps: int,
    max_seq_length: int,
) -> List[Hyperparameter]:
    """The hyperparameters every entry script reads, with its own defaults."""
    return [
        Hyperparameter("epochs", epochs, "float", above=0),
        Hyperparameter("learning_rate", learning_rate, "float", above=0),
        Hyperparameter("per_device_train_batch_size", per_device_train_batch_size, "int", at_least=1),
        Hyperparameter("gradient_accumulation_steps", gradient_accumulation_steps, "int", at_least=1),
        Hyperparameter("max_seq_length", max_seq_length, "int", at_least=16),
        Hyperparameter("precision", "bf16", "choice", choices=tuple(PRECISION_DTYPES)),
        Hyperparameter("seed", 42, "int", at_least=0),
        Hyperparameter("save_steps", 100, "int", at_least=1),
    ]


def lora_specs() -> List[Hyperparameter]:
    """The LoRA / QLoRA hyperparameters of the fine-tuning scripts."""
    return [
        Hyperparameter("lora_r", 16, "int", at_least=1),
        Hyperparameter("lora_alpha", 32, "int", at_least=1),
        Hyperparameter("lora_dropout", 0.05, "float", at_least=0, below=1),
        Hyperparameter("quantization", "none", "choice", choices=QUANTIZATIONS),
        Hyperparameter("merge_weights", True, "bool"),
    ]


def read_hyperparameters(environment: Mapping[str, str], specs: Sequence[Hyperparameter]) -> Dict[str, Any]:
    """The typed value of every hyperparameter in specs: from SM_HPS, else its default."""
    return {spec.name: spec.parse(hyperparameter(dict(environment), spec.name, _as_text(spec.default))) for spec in specs}


def unknown_hyperparameters(environment: Mapping[str, str], specs: Sequence[Hyperparameter]) -> List[str]:
    """Names in SM_HPS that no spec reads (a typo such as lora_rank), sorted."""
    known = {spec.name for spec in specs}
    return sorted(name for name in json.loads(environment.get("SM_HPS", "{}")) if name not in known)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check_llama_shape(values: Mapping[str, Any]) -> None:
    """The pre-training shape must split evenly into attention heads and
    key/value groups, as LlamaConfig assumes, with even head sizes for the
    rotary embeddings and blocks no longer than the model's context."""
    hidden, heads, kv_heads = values["hidden_size"], values["heads"], values["kv_heads"]
    if hidden % heads:
        raise HyperparameterError(f"hyperparameter hidden_size: {hidden} is not a multiple of heads ({heads})")
    if heads % kv_heads:
        raise HyperparameterError(f"hyperparameter heads: {heads} is not a multiple of kv_heads ({kv_heads})")
    if (hidden // heads) % 2:
        raise HyperparameterError(f"hyperparameter hidden_size: the head size {hidden // heads} (hidden_size / heads) must be even for rotary embeddings")
    if values["max_seq_length"] > values["max_position_embeddings"]:
        raise HyperparameterError(
            f"hyperparameter max_seq_length: {values['max_seq_length']} exceeds max_position_embeddings ({values['max_position_embeddings']})"
        )


@dataclass(frozen=True)
class JobPaths:
    """The input channels (None when absent) and the output folders of a job."""

    train: str
    validation: Optional[str]
    model: Optional[str]
    tokenizer: Optional[str]
    output: str
    output_data: str
    checkpoints: str


def job_paths(environment: Mapping[str, str], checkpoints: str = CHECKPOINT_DIR) -> JobPaths:
    """The channel folders from SM_CHANNEL_<NAME> and SM_MODEL_DIR."""
    train = environment.get("SM_CHANNEL_TRAIN")
    if not train:
        raise JobInputError("the train channel is missing (no SM_CHANNEL_TRAIN)")
    return JobPaths(
        train=train,
        validation=environment.get("SM_CHANNEL_VALIDATION") or None,
        model=environment.get("SM_CHANNEL_MODEL") or None,
        tokenizer=environment.get("SM_CHANNEL_TOKENIZER") or None,
        output=environment.get("SM_MODEL_DIR") or MODEL_DIR,
        output_data=environment.get("SM_OUTPUT_DATA_DIR") or OUTPUT_DATA_DIR,
        checkpoints=checkpoints,
    )


def require(path: Optional[str], what: str) -> str:
    """The path of a channel this job cannot run without."""
    if not path or not os.path.isdir(path):
        raise JobInputError(f"the {what} channel is missing")
    return path


def process_place(environment: Mapping[str, str]) -> Tuple[int, int, int]:
    """(global rank, local rank, world size) as torchrun sets them; a process
    started without torchrun is rank 0 of 1."""
    return (
        int(environment.get("RANK", "0")),
        int(environment.get("LOCAL_RANK", "0")),
        int(environment.get("WORLD_SIZE", "1")),
    )


def log(rank: int, message: str) -> None:
    """Prints once per job (global rank 0 only), flushed for CloudWatch."""
    if rank == 0:
        print(message, flush=True)


def precision_flags(precision: str) -> Dict[str, bool]:
    """The Trainer's mixed-precision switches for a precision name. Both are
    always given: TRL's configs turn bf16 on when neither is set."""
    return {"bf16": precision == "bf16", "fp16": precision == "fp16"}


def trainer_arguments(
    values: Mapping[str, Any],
    checkpoints: str,
    evaluate: bool,
    gradient_checkpointing: bool = True,
) -> Dict[str, Any]:
    """Keyword arguments of transformers.TrainingArguments (and of TRL's
    SFTConfig / DPOConfig, which extend it) shared by the entry scripts:
    checkpoints every save_steps into the folder SageMaker syncs, evaluation
    at the same steps when there is a validation split, nothing reported to
    outside services."""
    arguments: Dict[str, Any] = {
        "output_dir": checkpoints,
        "num_train_epochs": values["epochs"],
        "learning_rate": values["learning_rate"],
        "per_device_train_batch_size": values["per_device_train_batch_size"],
        "per_device_eval_batch_size": values["per_device_train_batch_size"],
        "gradient_accumulation_steps": values["gradient_accumulation_steps"],
        "lr_scheduler_type": "cosine",
        "warmup_steps": WARMUP_RATIO,
        "logging_steps": LOGGING_STEPS,
        "save_strategy": "steps",
        "save_steps": values["save_steps"],
        "save_total_limit": SAVE_TOTAL_LIMIT,
        "eval_strategy": "steps" if evaluate else "no",
        "seed": values["seed"],
        "data_seed": values["seed"],
        "gradient_checkpointing": gradient_checkpointing,
        "ddp_find_unused_parameters": False,
        "report_to": "none",
        **precision_flags(values["precision"]),
    }
    if gradient_checkpointing:
        arguments["gradient_checkpointing_kwargs"] = {"use_reentrant": False}
    if evaluate:
        arguments["eval_steps"] = values["save_steps"]
    return arguments


def describe_model_dir(path: Optional[str]) -> Optional[Dict[str, Any]]:
    """What the config.json of a Hugging Face model folder says about it."""
    if not path:
        return None
    description: Dict[str, Any] = {"path": path}
    config_path = os.path.join(path, "config.json")
    if os.path.isfile(config_path):
        with open(config_path, encoding="utf-8") as handle:
            config = json.load(handle)
        for key, name in (("_name_or_path", "name_or_path"), ("model_type", "model_type"), ("architectures", "architectures")):
            if config.get(key):
                description[name] = config[key]
    return description


def numeric_metrics(*sources: Optional[Mapping[str, Any]]) -> Dict[str, float]:
    """The finite numbers of metric dictionaries merged, later ones winning."""
    metrics: Dict[str, float] = {}
    for source in sources:
        for name, value in (source or {}).items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                metrics[name] = value
    return metrics


def training_summary(
    job: str,
    base_model: Optional[Mapping[str, Any]],
    values: Mapping[str, Any],
    metrics: Mapping[str, float],
    outputs: Mapping[str, Any],
    resumed_from: Optional[str],
    libraries: Optional[Mapping[str, Optional[str]]] = None,
) -> Dict[str, Any]:
    """The training_summary.json written beside the weights: what was
    trained from what, with which hyperparameters, and how it ended."""
    return {
        "job": job,
        "base_model": dict(base_model) if base_model else None,
        "hyperparameters": dict(values),
        "metrics": dict(metrics),
        "outputs": dict(outputs),
        "resumed_from_checkpoint": resumed_from,
        "libraries": dict(libraries or {}),
    }


def library_versions(names: Sequence[str]) -> Dict[str, Optional[str]]:
    """The installed version of each distribution, None when it is absent."""
    from importlib import metadata

    versions: Dict[str, Optional[str]] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def write_json(path: str, value: Any) -> None:
    """Writes JSON (indented, keys sorted), creating the folder if needed."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(value, handle, indent=2, sort_keys=True)
        handle.write("\n")
