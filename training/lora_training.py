"""The run shared by the LoRA entry scripts (sft_lora.py, dpo.py): load the
base model from the `model` channel (4-bit for QLoRA), wrap it in a LoRA
adapter, train with the TRL trainer the script builds, resume from the
latest checkpoint after a spot interruption, and leave servable weights in
SM_MODEL_DIR.

Written against the versions of the Hugging Face PyTorch training DLC pinned
in requirements.txt (transformers 5.3.0, peft 0.18.1, trl 0.28.0). The ML
libraries are imported inside the functions, so the module imports without
them.
"""

import gc
import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

from data_formats import DEFAULT_CHAT_TEMPLATE, latest_checkpoint, load_examples
from job_config import (
    PRECISION_DTYPES,
    SUMMARY_FILE,
    Hyperparameter,
    JobPaths,
    describe_model_dir,
    job_paths,
    library_versions,
    log,
    numeric_metrics,
    process_place,
    read_hyperparameters,
    require,
    trainer_arguments,
    training_summary,
    unknown_hyperparameters,
    write_json,
)

LIBRARIES = ("torch", "transformers", "peft", "trl", "datasets", "accelerate", "bitsandbytes")

# (model, tokenizer, train dataset, eval dataset or None, hyperparameters,
#  Trainer keyword arguments) -> a TRL trainer ready to train.
TrainerFactory = Callable[[Any, Any, Any, Optional[Any], Mapping[str, Any], Dict[str, Any]], Any]


def load_tokenizer(path: str):
    """The base model's tokenizer, with a pad token (the end-of-sequence one
    when it has none) and a chat template (DEFAULT_CHAT_TEMPLATE when it has
    none), saved with the weights so the serving container formats chats the
    way the model was trained."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = DEFAULT_CHAT_TEMPLATE
    return tokenizer


def load_base_model(path: str, precision: str, quantization: str, local_rank: int):
    """The base model on this process's GPU: in the training precision, or in
    4-bit NF4 with double quantization (QLoRA) computing in that precision."""
    import torch
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    dtype = getattr(torch, PRECISION_DTYPES[precision])
    kwargs: Dict[str, Any] = {"dtype": dtype}
    if torch.cuda.is_available():
        # One full copy per DDP process, placed on its own GPU.
        kwargs["device_map"] = {"": local_rank}
    if quantization == "4bit":
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=dtype,
        )
    model = AutoModelForCausalLM.from_pretrained(path, **kwargs)
    model.config.use_cache = False
    return model


def with_lora(model, values: Mapping[str, Any]):
    """The model wrapped in a trainable LoRA adapter on every linear layer;
    a 4-bit model is first prepared for k-bit training (norms in float32,
    input gradients for gradient checkpointing)."""
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    if values["quantization"] == "4bit":
        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=True, gradient_checkpointing_kwargs={"use_reentrant": False}
        )
    else:
        model.enable_input_require_grads()
    config = LoraConfig(
        r=values["lora_r"],
        lora_alpha=values["lora_alpha"],
        lora_dropout=values["lora_dropout"],
        target_modules="all-linear",
        bias="none",
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, config)


def merge_adapter(base_path: str, adapter_path: str, output: str) -> None:
    """The adapter folded into a fresh copy of the base model, loaded on the
    CPU in its own dtype (never 4-bit, so a QLoRA adapter merges into full
    weights), saved as safetensors: a folder vLLM or TGI serve as is. The
    instance's memory must hold the base model in that dtype."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(base_path, dtype="auto")
    merged = PeftModel.from_pretrained(base, adapter_path).merge_and_unload()
    merged.save_pretrained(output, max_shard_size="5GB")


def dataset(directory: str, convert: Callable[[Dict], Dict]):
    """A channel's records, converted and checked, as an in-memory Dataset."""
    from datasets import Dataset

    return Dataset.from_list(load_examples(directory, convert))


def run_lora_job(
    job: str,
    specs: Sequence[Hyperparameter],
    convert: Callable[[Dict], Dict],
    build_trainer: TrainerFactory,
    environment: Optional[Mapping[str, str]] = None,
) -> None:
    """Trains a LoRA adapter on the train channel (evaluating on validation
    when given) and writes the servable result and training_summary.json."""
    environment = os.environ if environment is None else environment
    values = read_hyperparameters(environment, specs)
    paths = job_paths(environment)
    base_path = require(paths.model, "model")
    rank, local_rank, world_size = process_place(environment)
    for name in unknown_hyperparameters(environment, specs):
        log(rank, f"warning: hyperparameter {name} is not read by {job}")
    log(rank, f"{job}: {world_size} process(es), hyperparameters {values}")

    tokenizer = load_tokenizer(base_path)
    train = dataset(paths.train, convert)
    evaluation = dataset(paths.validation, convert) if paths.validation else None
    model = with_lora(load_base_model(base_path, values["precision"], values["quantization"], local_rank), values)
    if rank == 0:
        model.print_trainable_parameters()

    trainer = build_trainer(model, tokenizer, train, evaluation, values, trainer_arguments(values, paths.checkpoints, evaluation is not None))
    del model  # the trainer holds it; dropping this name lets the merge free it
    resume = latest_checkpoint(paths.checkpoints)
    log(rank, f"{job}: resuming from {resume}" if resume else f"{job}: starting from the base model")
    train_metrics = trainer.train(resume_from_checkpoint=resume).metrics
    eval_metrics = trainer.evaluate() if evaluation is not None else {}
    save_outputs(trainer, tokenizer, paths, base_path, values, rank)
    if rank == 0:
        outputs = _outputs(paths, values["merge_weights"])
        summary = training_summary(
            job,
            describe_model_dir(base_path),
            values,
            numeric_metrics(train_metrics, eval_metrics),
            outputs,
            resume,
            library_versions(LIBRARIES),
        )
        write_json(os.path.join(paths.output, SUMMARY_FILE), summary)
        log(rank, f"{job}: wrote {outputs['weights']} weights to {paths.output}: {', '.join(files(paths.output))}")


def save_outputs(trainer, tokenizer, paths: JobPaths, base_path: str, values: Mapping[str, Any], rank: int) -> None:
    """Saves the adapter (Trainer.save_model writes on the main process
    only), then, on rank 0 and when merge_weights is true, merges it into the
    base model in SM_MODEL_DIR; the adapter itself goes to SM_OUTPUT_DATA_DIR
    then. With merge_weights false the adapter is the model artifact."""
    adapter_path = os.path.join(paths.output_data, "adapter") if values["merge_weights"] else paths.output
    trainer.save_model(adapter_path)  # with the tokenizer (the trainer's processing_class)
    if rank != 0:
        return
    if values["merge_weights"]:
        _release(trainer)
        merge_adapter(base_path, adapter_path, paths.output)
        tokenizer.save_pretrained(paths.output)


def _release(trainer) -> None:
    """Frees the training model before the merge loads a full copy."""
    import torch

    trainer.accelerator.free_memory()
    trainer.model = trainer.model_wrapped = trainer.optimizer = trainer.lr_scheduler = None
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _outputs(paths: JobPaths, merged: bool) -> Dict[str, Any]:
    if merged:
        return {"weights": "merged", "model_dir": paths.output, "adapter_dir": os.path.join(paths.output_data, "adapter")}
    return {"weights": "adapter", "model_dir": paths.output}


def files(directory: str) -> List[str]:
    """The file names of a folder, sorted (for the job log)."""
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []
