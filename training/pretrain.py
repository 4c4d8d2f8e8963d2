"""Pre-training a causal language model from scratch (a LlamaConfig built
from the hyperparameters, the transformers Trainer, data parallel across
every GPU of every instance), the entry script of the kit's pre-training job
in the Hugging Face PyTorch training container.

Channels (SM_CHANNEL_<NAME>):
  train        JSONL records {"text": "..."}, one document each
  validation   the same format; optional, evaluated every save_steps and at the end
  tokenizer    the tokenizer's Hugging Face files only (no weights: the model starts random)

Hyperparameters (SM_HPS; name, default, meaning):
  epochs                        1       passes over the train split (a fraction is allowed)
  learning_rate                 3e-4    peak AdamW learning rate (cosine schedule, 3% warm-up)
  per_device_train_batch_size   8       blocks per GPU and step
  gradient_accumulation_steps   4       steps accumulated before each optimizer update
  max_seq_length                1024    tokens per block; documents are joined and cut into blocks
  layers                        12      decoder layers (num_hidden_layers)
  hidden_size                   768     model width, a multiple of heads
  heads                         12      attention heads (num_attention_heads)
  kv_heads                      12      key/value heads (num_key_value_heads; fewer than heads = GQA)
  intermediate_size             2048    width of the MLP (SwiGLU)
  max_position_embeddings       2048    longest context the model is built for, at least max_seq_length
  precision                     bf16    bf16 | fp16 | fp32 mixed precision; the saved weights use it
  seed                          42      seed of the weights' initialisation and the data order
  save_steps                    100     optimizer steps between checkpoints (and evaluations)

The model is built from the configuration (LlamaForCausalLM(LlamaConfig)),
never from weights; the vocabulary is the tokenizer's. Each document is
tokenized and followed by the end-of-sequence token, then the stream is cut
into blocks of max_seq_length tokens (the last partial block is dropped).

Checkpoints go to /opt/ml/checkpoints (synced with S3); a restarted spot job
resumes from the latest complete one. Launched by torchrun (the toolkit's
torch_distributed), every GPU process trains a data-parallel replica and
global rank 0 alone writes SM_MODEL_DIR: the full model (safetensors), the
tokenizer and training_summary.json.
"""

import os
from typing import Any, Dict, List, Mapping, Optional

from data_formats import channel_records, latest_checkpoint, pretrain_text, token_blocks
from job_config import (
    PRECISION_DTYPES,
    SUMMARY_FILE,
    Hyperparameter,
    check_llama_shape,
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

SPECS = [
    Hyperparameter("epochs", 1, "float", above=0),
    Hyperparameter("learning_rate", 3e-4, "float", above=0),
    Hyperparameter("per_device_train_batch_size", 8, "int", at_least=1),
    Hyperparameter("gradient_accumulation_steps", 4, "int", at_least=1),
    Hyperparameter("max_seq_length", 1024, "int", at_least=16),
    Hyperparameter("layers", 12, "int", at_least=1),
    Hyperparameter("hidden_size", 768, "int", at_least=8),
    Hyperparameter("heads", 12, "int", at_least=1),
    Hyperparameter("kv_heads", 12, "int", at_least=1),
    Hyperparameter("intermediate_size", 2048, "int", at_least=8),
    Hyperparameter("max_position_embeddings", 2048, "int", at_least=16),
    Hyperparameter("precision", "bf16", "choice", choices=tuple(PRECISION_DTYPES)),
    Hyperparameter("seed", 42, "int", at_least=0),
    Hyperparameter("save_steps", 100, "int", at_least=1),
]

LIBRARIES = ("torch", "transformers", "datasets", "accelerate")


def documents(directory: str):
    """The channel's documents, checked, one {"text"} record at a time
    (a generator, so Dataset.from_generator streams them to its cache)."""
    yield from channel_records(directory, pretrain_text)


def llama_config(values: Mapping[str, Any], tokenizer):
    """The LlamaConfig of the model to pre-train, its vocabulary the tokenizer's."""
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=values["hidden_size"],
        intermediate_size=values["intermediate_size"],
        num_hidden_layers=values["layers"],
        num_attention_heads=values["heads"],
        num_key_value_heads=values["kv_heads"],
        max_position_embeddings=values["max_position_embeddings"],
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        use_cache=False,
    )


def block_dataset(directory: str, tokenizer, block_size: int):
    """The channel as blocks of block_size token ids (labels = inputs; the
    model shifts them), built from the JSONL files through the datasets cache."""
    from datasets import Dataset

    eos = tokenizer.eos_token_id

    def tokenize(batch: Dict[str, List[str]]) -> Dict[str, List[List[int]]]:
        ids = tokenizer(batch["text"], add_special_tokens=True)["input_ids"]
        return {"input_ids": [sequence + [eos] if eos is not None else sequence for sequence in ids]}

    def group(batch: Dict[str, List[List[int]]]) -> Dict[str, List[List[int]]]:
        blocks = token_blocks(batch["input_ids"], block_size)
        return {"input_ids": blocks, "labels": [list(block) for block in blocks]}

    texts = Dataset.from_generator(documents, gen_kwargs={"directory": directory})
    tokens = texts.map(tokenize, batched=True, remove_columns=texts.column_names, desc="tokenize")
    return tokens.map(group, batched=True, batch_size=1000, remove_columns=tokens.column_names, desc="blocks")


def main(environment: Optional[Mapping[str, str]] = None) -> None:
    environment = os.environ if environment is None else environment
    values = read_hyperparameters(environment, SPECS)
    check_llama_shape(values)
    paths = job_paths(environment)
    tokenizer_path = require(paths.tokenizer, "tokenizer")
    rank, _, world_size = process_place(environment)
    for name in unknown_hyperparameters(environment, SPECS):
        log(rank, f"warning: hyperparameter {name} is not read by pretrain")
    log(rank, f"pretrain: {world_size} process(es), hyperparameters {values}")

    import torch
    from transformers import AutoTokenizer, LlamaForCausalLM, Trainer, TrainingArguments, default_data_collator

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    arguments = TrainingArguments(**trainer_arguments(values, paths.checkpoints, paths.validation is not None, gradient_checkpointing=False))
    # Local rank 0 of each instance builds the datasets cache first; the other processes then read it.
    with arguments.main_process_first(desc="datasets"):
        train = block_dataset(paths.train, tokenizer, values["max_seq_length"])
        evaluation = block_dataset(paths.validation, tokenizer, values["max_seq_length"]) if paths.validation else None
    if len(train) == 0:
        raise ValueError(f"the train channel holds fewer tokens than one block of max_seq_length ({values['max_seq_length']})")
    if evaluation is not None and len(evaluation) == 0:
        log(rank, "warning: the validation channel holds fewer tokens than one block; evaluation is skipped")
        evaluation = None
        arguments = TrainingArguments(**trainer_arguments(values, paths.checkpoints, False, gradient_checkpointing=False))

    model = LlamaForCausalLM(llama_config(values, tokenizer))
    log(rank, f"pretrain: {sum(parameter.numel() for parameter in model.parameters()):,} parameters, {len(train)} blocks")
    trainer = Trainer(
        model=model,
        args=arguments,
        train_dataset=train,
        eval_dataset=evaluation,
        data_collator=default_data_collator,
        processing_class=tokenizer,
    )
    resume = latest_checkpoint(paths.checkpoints)
    log(rank, f"pretrain: resuming from {resume}" if resume else "pretrain: starting from random weights")
    train_metrics = trainer.train(resume_from_checkpoint=resume).metrics
    eval_metrics = trainer.evaluate() if evaluation is not None else {}
    if rank != 0:
        return
    trained = trainer.accelerator.unwrap_model(trainer.model)
    trained.to(getattr(torch, PRECISION_DTYPES[values["precision"]])).save_pretrained(paths.output)
    tokenizer.save_pretrained(paths.output)
    summary = training_summary(
        "pretrain",
        {"tokenizer": describe_model_dir(tokenizer_path), "architecture": "LlamaForCausalLM"},
        values,
        numeric_metrics(train_metrics, eval_metrics),
        {"weights": "full", "model_dir": paths.output},
        resume,
        library_versions(LIBRARIES),
    )
    write_json(os.path.join(paths.output, SUMMARY_FILE), summary)
    log(rank, f"pretrain: wrote the model to {paths.output}")


if __name__ == "__main__":
    main()
