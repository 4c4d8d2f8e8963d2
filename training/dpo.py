"""Direct preference optimisation of a LoRA adapter (TRL DPOTrainer + PEFT),
the entry script of the kit's preference-tuning job in the Hugging Face
PyTorch training container.

Channels (SM_CHANNEL_<NAME>):
  train        JSONL records {"prompt", "chosen", "rejected"}
  validation   the same format; optional, evaluated every save_steps and at the end
  model        the model to align (usually the SFT result), Hugging Face files

Hyperparameters (SM_HPS; name, default, meaning):
  epochs                        1       passes over the train split (a fraction is allowed)
  learning_rate                 5e-6    peak AdamW learning rate (cosine schedule, 3% warm-up)
  per_device_train_batch_size   2       preference pairs per GPU and step
  gradient_accumulation_steps   8       steps accumulated before each optimizer update
  max_seq_length                1024    tokens of prompt + answer (DPOConfig.max_length); trl 0.28
                                        also cuts the prompt to its default 512 tokens
  beta                          0.1     DPO temperature: higher keeps the model closer to the reference
  lora_r                        16      LoRA rank
  lora_alpha                    32      LoRA scaling numerator (scale = lora_alpha / lora_r)
  lora_dropout                  0.05    dropout on the LoRA path, in [0, 1)
  quantization                  none    none | 4bit (QLoRA: NF4 base weights, double quantization)
  merge_weights                 true    true: the adapter merged into the base model in SM_MODEL_DIR
                                        (the adapter alone in SM_OUTPUT_DATA_DIR/adapter);
                                        false: the adapter alone in SM_MODEL_DIR
  precision                     bf16    bf16 | fp16 | fp32 (compute dtype; QLoRA's compute dtype too)
  seed                          42      seed of the adapter's initialisation and the data order
  save_steps                    100     optimizer steps between checkpoints (and evaluations)

The reference policy is the base model itself: with a PEFT model and no
ref_model, the trainer computes reference log-probabilities with the adapter
disabled, so no second copy of the model is loaded. Records become
conversational preference examples rendered with the base tokenizer's chat
template (DEFAULT_CHAT_TEMPLATE when it has none).

Checkpoints go to /opt/ml/checkpoints (synced with S3); a restarted spot job
resumes from the latest complete one. Launched by torchrun (the toolkit's
torch_distributed), every GPU process trains a data-parallel replica and
global rank 0 alone writes SM_MODEL_DIR, including training_summary.json.
"""

from typing import Any, Dict, Mapping, Optional

from data_formats import dpo_example
from job_config import Hyperparameter, lora_specs, training_specs

SPECS = training_specs(
    epochs=1,
    learning_rate=5e-6,
    per_device_train_batch_size=2,
    gradient_accumulation_steps=8,
    max_seq_length=1024,
) + lora_specs() + [Hyperparameter("beta", 0.1, "float", above=0)]


def build_trainer(model, tokenizer, train, evaluation: Optional[Any], values: Mapping[str, Any], arguments: Dict[str, Any]):
    """TRL's DPOTrainer (trl 0.28: DPOConfig.max_length and beta,
    processing_class, no ref_model with a PEFT model)."""
    from trl import DPOConfig, DPOTrainer

    config = DPOConfig(**arguments, max_length=values["max_seq_length"], beta=values["beta"])
    return DPOTrainer(
        model=model,
        ref_model=None,
        args=config,
        train_dataset=train,
        eval_dataset=evaluation,
        processing_class=tokenizer,
    )


def main() -> None:
    from lora_training import run_lora_job

    run_lora_job("dpo", SPECS, dpo_example, build_trainer)


if __name__ == "__main__":
    main()
