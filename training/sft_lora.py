"""LoRA / QLoRA supervised fine-tuning (TRL SFTTrainer + PEFT), the entry
script of the kit's fine-tuning job in the Hugging Face PyTorch training
container.

Channels (SM_CHANNEL_<NAME>):
  train        JSONL records {"prompt", "completion"} or {"messages": [{"role", "content"}, ...]}
  validation   the same format; optional, evaluated every save_steps and at the end
  model        the base model's Hugging Face files (config, tokenizer, safetensors)

Hyperparameters (SM_HPS; name, default, meaning):
  epochs                        3       passes over the train split (a fraction is allowed)
  learning_rate                 2e-4    peak AdamW learning rate (cosine schedule, 3% warm-up)
  per_device_train_batch_size   4       sequences per GPU and step
  gradient_accumulation_steps   4       steps accumulated before each optimizer update
  max_seq_length                2048    tokens per sequence; longer sequences are truncated
  lora_r                        16      LoRA rank
  lora_alpha                    32      LoRA scaling numerator (scale = lora_alpha / lora_r)
  lora_dropout                  0.05    dropout on the LoRA path, in [0, 1)
  quantization                  none    none | 4bit (QLoRA: NF4 base weights, double quantization)
  merge_weights                 true    true: the adapter merged into the base model in SM_MODEL_DIR
                                        (the adapter alone in SM_OUTPUT_DATA_DIR/adapter);
                                        false: the adapter alone in SM_MODEL_DIR
  precision                     bf16    bf16 | fp16 | fp32 (compute dtype; QLoRA's compute dtype too)
  seed                          42      seed of the weights' initialisation and the data order
  save_steps                    100     optimizer steps between checkpoints (and evaluations)

Loss: only the answer is learned. Each record becomes a conversational
prompt-completion example (every turn before the last assistant answer is the
prompt), rendered with the base tokenizer's chat template, or with
DEFAULT_CHAT_TEMPLATE when the base model has none; the tokenizer saved with
the weights carries that template to the serving container.

Checkpoints go to /opt/ml/checkpoints (synced with S3); a restarted spot job
resumes from the latest complete one. Launched by torchrun (the toolkit's
torch_distributed), every GPU process trains a data-parallel replica and
global rank 0 alone writes SM_MODEL_DIR, including training_summary.json.
"""

from typing import Any, Dict, Mapping, Optional

from data_formats import sft_example
from job_config import lora_specs, training_specs

SPECS = training_specs(
    epochs=3,
    learning_rate=2e-4,
    per_device_train_batch_size=4,
    gradient_accumulation_steps=4,
    max_seq_length=2048,
) + lora_specs()


def build_trainer(model, tokenizer, train, evaluation: Optional[Any], values: Mapping[str, Any], arguments: Dict[str, Any]):
    """TRL's SFTTrainer (trl 0.28: SFTConfig.max_length, processing_class)
    on the LoRA-wrapped model; prompt-completion data gives completion-only
    loss by default."""
    from trl import SFTConfig, SFTTrainer

    config = SFTConfig(**arguments, max_length=values["max_seq_length"], packing=False)
    return SFTTrainer(
        model=model,
        args=config,
        train_dataset=train,
        eval_dataset=evaluation,
        processing_class=tokenizer,
    )


def main() -> None:
    from lora_training import run_lora_job

    run_lora_job("sft_lora", SPECS, sft_example, build_trainer)


if __name__ == "__main__":
    main()
