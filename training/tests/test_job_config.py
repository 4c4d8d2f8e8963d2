import io
import json
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stdout

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from job_config import (  # noqa: E402
    CHECKPOINT_DIR,
    MODEL_DIR,
    OUTPUT_DATA_DIR,
    Hyperparameter,
    HyperparameterError,
    JobInputError,
    check_llama_shape,
    describe_model_dir,
    job_paths,
    library_versions,
    log,
    lora_specs,
    numeric_metrics,
    precision_flags,
    process_place,
    read_hyperparameters,
    require,
    trainer_arguments,
    training_specs,
    training_summary,
    unknown_hyperparameters,
    write_json,
)


def hps(**values):
    """SM_HPS as the training toolkit writes it (values already JSON-decoded)."""
    return {"SM_HPS": json.dumps(values)}


SPECS = training_specs(epochs=3, learning_rate=2e-4, per_device_train_batch_size=4, gradient_accumulation_steps=4, max_seq_length=2048) + lora_specs()


class HyperparameterParseTest(unittest.TestCase):
    def test_reads_integers_decoded_or_as_strings(self):
        spec = Hyperparameter("lora_r", 16, "int", at_least=1)
        self.assertEqual(spec.parse("8"), 8)
        self.assertEqual(spec.parse("8.0"), 8)
        self.assertEqual(spec.parse(" 32 "), 32)

    def test_reads_floats_in_any_notation(self):
        spec = Hyperparameter("learning_rate", 2e-4, "float", above=0)
        self.assertEqual(spec.parse("2e-4"), 2e-4)
        self.assertEqual(spec.parse("0.0002"), 2e-4)
        self.assertEqual(spec.parse("1"), 1.0)

    def test_reads_booleans_whatever_their_case(self):
        spec = Hyperparameter("merge_weights", True, "bool")
        for text in ("true", "True", "TRUE", "1", "yes"):
            self.assertIs(spec.parse(text), True)
        for text in ("false", "False", "0", "no"):
            self.assertIs(spec.parse(text), False)

    def test_reads_choices_case_insensitively(self):
        spec = Hyperparameter("precision", "bf16", "choice", choices=("bf16", "fp16", "fp32"))
        self.assertEqual(spec.parse("BF16"), "bf16")

    def test_rejects_values_naming_the_hyperparameter_and_what_is_allowed(self):
        with self.assertRaisesRegex(HyperparameterError, r"hyperparameter lora_r: '1.5' is not an integer"):
            Hyperparameter("lora_r", 16, "int").parse("1.5")
        with self.assertRaisesRegex(HyperparameterError, r"hyperparameter lora_r: '0' is not at least 1"):
            Hyperparameter("lora_r", 16, "int", at_least=1).parse("0")
        with self.assertRaisesRegex(HyperparameterError, r"learning_rate: '0' is not greater than 0"):
            Hyperparameter("learning_rate", 1e-4, "float", above=0).parse("0")
        with self.assertRaisesRegex(HyperparameterError, r"lora_dropout: '1' is not less than 1"):
            Hyperparameter("lora_dropout", 0.05, "float", at_least=0, below=1).parse("1")
        with self.assertRaisesRegex(HyperparameterError, r"learning_rate: 'nan' is not a number"):
            Hyperparameter("learning_rate", 1e-4, "float").parse("nan")
        with self.assertRaisesRegex(HyperparameterError, r"merge_weights: 'maybe' is not true or false"):
            Hyperparameter("merge_weights", True, "bool").parse("maybe")
        with self.assertRaisesRegex(HyperparameterError, r"quantization: '8bit' is not one of none, 4bit"):
            Hyperparameter("quantization", "none", "choice", choices=("none", "4bit")).parse("8bit")


class ReadHyperparametersTest(unittest.TestCase):
    def test_gives_every_default_without_hyperparameters(self):
        values = read_hyperparameters({}, SPECS)
        self.assertEqual(values["epochs"], 3.0)
        self.assertEqual(values["learning_rate"], 2e-4)
        self.assertEqual(values["max_seq_length"], 2048)
        self.assertEqual(values["quantization"], "none")
        self.assertIs(values["merge_weights"], True)
        self.assertEqual(values["precision"], "bf16")
        self.assertEqual(values["save_steps"], 100)

    def test_converts_what_the_toolkit_decoded(self):
        # The toolkit turns "2", "true" and "2e-4" into 2, True and 0.0002 and keeps "4bit" as text.
        values = read_hyperparameters(hps(epochs=2, learning_rate=0.0002, merge_weights=False, quantization="4bit", lora_r="8"), SPECS)
        self.assertEqual((values["epochs"], values["learning_rate"], values["lora_r"]), (2.0, 2e-4, 8))
        self.assertIs(values["merge_weights"], False)
        self.assertEqual(values["quantization"], "4bit")

    def test_rejects_a_bad_value(self):
        with self.assertRaisesRegex(HyperparameterError, "precision"):
            read_hyperparameters(hps(precision="int8"), SPECS)

    def test_lists_names_no_spec_reads(self):
        self.assertEqual(unknown_hyperparameters(hps(lora_rank=8, epochs=1, batch=2), SPECS), ["batch", "lora_rank"])
        self.assertEqual(unknown_hyperparameters({}, SPECS), [])


class LlamaShapeTest(unittest.TestCase):
    shape = {"hidden_size": 768, "heads": 12, "kv_heads": 4, "max_seq_length": 1024, "max_position_embeddings": 2048}

    def test_accepts_an_even_split(self):
        check_llama_shape(self.shape)

    def test_rejects_uneven_heads_groups_and_contexts(self):
        with self.assertRaisesRegex(HyperparameterError, "hidden_size: 770 is not a multiple of heads"):
            check_llama_shape({**self.shape, "hidden_size": 770})
        with self.assertRaisesRegex(HyperparameterError, "heads: 12 is not a multiple of kv_heads"):
            check_llama_shape({**self.shape, "kv_heads": 5})
        with self.assertRaisesRegex(HyperparameterError, "head size 3"):
            check_llama_shape({**self.shape, "hidden_size": 36})
        with self.assertRaisesRegex(HyperparameterError, "max_seq_length: 4096 exceeds max_position_embeddings"):
            check_llama_shape({**self.shape, "max_seq_length": 4096})


class JobPathsTest(unittest.TestCase):
    def test_reads_the_channels_and_defaults_the_outputs(self):
        paths = job_paths({"SM_CHANNEL_TRAIN": "/opt/ml/input/data/train", "SM_CHANNEL_MODEL": "/opt/ml/input/data/model"})
        self.assertEqual(paths.train, "/opt/ml/input/data/train")
        self.assertEqual(paths.model, "/opt/ml/input/data/model")
        self.assertIsNone(paths.validation)
        self.assertIsNone(paths.tokenizer)
        self.assertEqual((paths.output, paths.output_data, paths.checkpoints), (MODEL_DIR, OUTPUT_DATA_DIR, CHECKPOINT_DIR))

    def test_rejects_a_job_without_a_train_channel(self):
        with self.assertRaisesRegex(JobInputError, "train channel"):
            job_paths({})

    def test_require_refuses_an_absent_channel(self):
        with self.assertRaisesRegex(JobInputError, "the model channel is missing"):
            require(None, "model")
        with self.assertRaisesRegex(JobInputError, "the tokenizer channel is missing"):
            require("/does/not/exist", "tokenizer")
        with tempfile.TemporaryDirectory() as directory:
            self.assertEqual(require(directory, "model"), directory)


class ProcessTest(unittest.TestCase):
    def test_reads_the_torchrun_place(self):
        self.assertEqual(process_place({"RANK": "5", "LOCAL_RANK": "1", "WORLD_SIZE": "8"}), (5, 1, 8))
        self.assertEqual(process_place({}), (0, 0, 1))

    def test_logs_on_rank_zero_only(self):
        out = io.StringIO()
        with redirect_stdout(out):
            log(0, "seen")
            log(3, "hidden")
        self.assertEqual(out.getvalue(), "seen\n")


class TrainerArgumentsTest(unittest.TestCase):
    values = read_hyperparameters({}, SPECS)

    def test_checkpoints_into_the_synced_folder_and_evaluates_with_a_validation_split(self):
        arguments = trainer_arguments(self.values, CHECKPOINT_DIR, evaluate=True)
        self.assertEqual(arguments["output_dir"], "/opt/ml/checkpoints")
        self.assertEqual((arguments["save_strategy"], arguments["save_steps"]), ("steps", 100))
        self.assertEqual((arguments["eval_strategy"], arguments["eval_steps"]), ("steps", 100))
        self.assertEqual(arguments["per_device_eval_batch_size"], 4)
        self.assertEqual(arguments["report_to"], "none")
        self.assertEqual(arguments["gradient_checkpointing_kwargs"], {"use_reentrant": False})
        self.assertFalse(arguments["ddp_find_unused_parameters"])

    def test_skips_evaluation_and_checkpointing_of_activations_when_asked(self):
        arguments = trainer_arguments(self.values, "/tmp/c", evaluate=False, gradient_checkpointing=False)
        self.assertEqual(arguments["eval_strategy"], "no")
        self.assertNotIn("eval_steps", arguments)
        self.assertNotIn("gradient_checkpointing_kwargs", arguments)
        self.assertFalse(arguments["gradient_checkpointing"])

    def test_always_sets_both_precision_switches(self):
        self.assertEqual(precision_flags("bf16"), {"bf16": True, "fp16": False})
        self.assertEqual(precision_flags("fp16"), {"bf16": False, "fp16": True})
        self.assertEqual(precision_flags("fp32"), {"bf16": False, "fp16": False})
        arguments = trainer_arguments({**self.values, "precision": "fp32"}, "/tmp/c", evaluate=False)
        self.assertEqual((arguments["bf16"], arguments["fp16"]), (False, False))

    def test_uses_no_argument_transformers_5_removed(self):
        arguments = trainer_arguments(self.values, "/tmp/c", evaluate=True)
        for removed in ("warmup_ratio", "overwrite_output_dir", "logging_dir", "evaluation_strategy", "no_cuda"):
            self.assertNotIn(removed, arguments)
        self.assertLess(arguments["warmup_steps"], 1)  # a ratio in transformers 5


class SummaryTest(unittest.TestCase):
    def test_describes_a_model_folder_from_its_config(self):
        with tempfile.TemporaryDirectory() as directory:
            write_json(os.path.join(directory, "config.json"), {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "_name_or_path": "meta-llama/Llama-3.1-8B"})
            self.assertEqual(
                describe_model_dir(directory),
                {"path": directory, "model_type": "llama", "architectures": ["LlamaForCausalLM"], "name_or_path": "meta-llama/Llama-3.1-8B"},
            )
        self.assertIsNone(describe_model_dir(None))
        self.assertEqual(describe_model_dir("/no/config"), {"path": "/no/config"})

    def test_keeps_finite_numeric_metrics_later_sources_winning(self):
        metrics = numeric_metrics({"train_loss": 1.5, "epoch": 3, "flag": True, "name": "x", "bad": float("nan")}, {"eval_loss": 1.2, "epoch": 3.0}, None)
        self.assertEqual(metrics, {"train_loss": 1.5, "epoch": 3.0, "eval_loss": 1.2})

    def test_writes_the_summary_as_json(self):
        summary = training_summary("sft_lora", {"path": "/m"}, {"epochs": 1.0}, {"train_loss": 0.5}, {"weights": "merged"}, None, {"trl": "0.28.0"})
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "out", "training_summary.json")
            write_json(path, summary)
            with open(path, encoding="utf-8") as handle:
                written = json.load(handle)
        self.assertEqual(written["job"], "sft_lora")
        self.assertEqual(written["base_model"], {"path": "/m"})
        self.assertEqual(written["hyperparameters"], {"epochs": 1.0})
        self.assertEqual(written["metrics"], {"train_loss": 0.5})
        self.assertIsNone(written["resumed_from_checkpoint"])
        self.assertEqual(written["libraries"], {"trl": "0.28.0"})

    def test_reports_an_absent_library_as_none(self):
        self.assertEqual(library_versions(["no-such-distribution-kit"]), {"no-such-distribution-kit": None})


if __name__ == "__main__":
    unittest.main()
